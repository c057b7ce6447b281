import type { AlertEvent, EventKind } from './alert-events.ts';

export type AlertMessage = {
  title: string;
  text: string;
  link: string | null;
  priority: 'low' | 'default' | 'high';
};

const TITLES: Record<EventKind, string> = {
  approval_waiting: 'Approval waiting',
  approval_lapsing: 'Approval about to lapse',
  unknown: 'Parked as unknown: a person must check',
  failed: 'Failed',
  deadletter: 'Deadletter entry',
  breaker_open: 'Breaker open',
  no_consumer: 'No executor running',
  needs_reauth: 'An account needs a login',
};

/** What needs a person soon is sent as high priority (a louder notification). */
const URGENT: ReadonlySet<EventKind> = new Set([
  'approval_waiting',
  'approval_lapsing',
  'unknown',
  'no_consumer',
  // Its intents wait until a person logs in: nothing of the account is carried out meanwhile.
  'needs_reauth',
]);

const TEXT_CHARS = 3500;

/**
 * One alert for one event, or one digest for a burst: a title, at most `lines` events by name
 * and a count of the rest, and a link (the approval's for a single approval, else the
 * dashboard). Built only from the events and the config, so the same batch always gives the
 * same message: that is what makes its idempotency key safe to repeat.
 */
export function alertMessage(events: AlertEvent[], lines: number, dashboardUrl: string | null): AlertMessage {
  const priority = events.some((e) => URGENT.has(e.kind)) ? 'high' : 'default';
  const only = events.length === 1 ? events[0] : undefined;
  if (only) {
    return {
      title: `agent-ops: ${TITLES[only.kind]}`,
      text: only.summary,
      link: only.link ?? dashboardUrl,
      priority,
    };
  }
  const counts = new Map<EventKind, number>();
  for (const e of events) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  const tally = [...counts].map(([kind, n]) => `${n} ${TITLES[kind].toLowerCase()}`).join(', ');
  const listed = events.slice(0, lines).map((e) => `• ${e.summary}${e.link ? `\n  ${e.link}` : ''}`);
  const rest = events.length - listed.length;
  let text = [
    `${events.length} events: ${tally}.`,
    ...listed,
    ...(rest > 0 ? [`… and ${rest} more on the dashboard.`] : []),
  ].join('\n');
  if (text.length > TEXT_CHARS) text = `${text.slice(0, TEXT_CHARS - 1)}…`;
  return { title: `agent-ops: ${events.length} events`, text, link: dashboardUrl, priority };
}
