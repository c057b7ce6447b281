/**
 * The catalog of channels and the actions each one carries. An action's channel is
 * the part before the dot, and every stream carries the actions of one channel only.
 */
export const CHANNELS = ['x', 'email', 'calendar', 'webhook', 'caldav', 'notify'] as const;
export type Channel = (typeof CHANNELS)[number];

export const ACTIONS = [
  'x.post',
  'x.reply',
  'x.delete',
  'x.thread',
  'email.send',
  'calendar.create',
  'calendar.update',
  'calendar.delete',
  'webhook.call',
  'caldav.create',
  'caldav.update',
  'caldav.delete',
  'notify.send',
] as const;
export type Action = (typeof ACTIONS)[number];
/** The actions of one channel: `ActionOf<'x'>` is `'x.post' | 'x.reply' | 'x.delete' | 'x.thread'`. */
export type ActionOf<C extends Channel> = Extract<Action, `${C}.${string}`>;

export function isChannel(value: string): value is Channel {
  return (CHANNELS as readonly string[]).includes(value);
}

export function isAction(value: string): value is Action {
  return (ACTIONS as readonly string[]).includes(value);
}

export function channelOf(action: Action): Channel {
  return action.slice(0, action.indexOf('.')) as Channel;
}

export function actionsOf(channel: Channel): Action[] {
  return ACTIONS.filter((action) => channelOf(action) === channel);
}

/**
 * The rate-limit group each action spends from, where an API meters actions apart (X counts
 * posts and deletes separately). Executors meter by it; the dashboard shows each group's budget.
 */
export const RATE_LIMIT_GROUPS = {
  'x.post': 'post',
  'x.reply': 'post',
  'x.delete': 'delete',
  'x.thread': 'post',
  'email.send': 'send',
  'calendar.create': 'write',
  'calendar.update': 'write',
  'calendar.delete': 'write',
  'webhook.call': 'call',
  'caldav.create': 'write',
  'caldav.update': 'write',
  'caldav.delete': 'write',
  'notify.send': 'send',
} as const satisfies Record<Action, string>;

/** A channel's rate-limit groups, in the order of its actions. */
export function rateLimitGroupsOf(channel: Channel): string[] {
  return [...new Set(actionsOf(channel).map((action) => RATE_LIMIT_GROUPS[action]))];
}
