import { createHash } from 'node:crypto';
import type { AlertEvent } from './alert-events.ts';
import { ALERT_KEY_PREFIX } from './alert-events.ts';
import type { AlertMessage } from './alert-message.ts';
import type { AlertsConfig } from './alerts-config.ts';

/** The key of one destination's alert for exactly these events: the same batch, the same key. */
export function alertKey(destination: string, events: AlertEvent[]): string {
  const digest = createHash('sha256')
    .update(events.map((e) => e.id).join('\n'))
    .digest('hex')
    .slice(0, 24);
  return `${ALERT_KEY_PREFIX}${destination}.${digest}`;
}

/**
 * The intent that carries an alert: `notify.send` for a destination the notify executor knows
 * by name, `email.send` (through the email executor) for an email destination.
 */
export function alertIntent(
  config: AlertsConfig,
  destination: string,
  events: AlertEvent[],
  message: AlertMessage,
): Record<string, unknown> | null {
  const d = config.destinations[destination];
  if (!d) return null;
  const base = {
    v: 1,
    idempotencyKey: alertKey(destination, events),
    meta: {
      source: 'agent-ops-alerts',
      events: events.length,
      kinds: [...new Set(events.map((e) => e.kind))].join(','),
    },
  };
  if (d.via === 'notify') {
    return {
      ...base,
      action: 'notify.send',
      account: config.account,
      payload: {
        destination,
        title: message.title,
        text: message.text,
        ...(message.link ? { link: message.link } : {}),
        priority: message.priority,
      },
    };
  }
  if (!config.email) return null;
  return {
    ...base,
    action: 'email.send',
    account: config.email.account,
    payload: {
      from: config.email.from,
      to: d.to,
      subject: message.title,
      text: `${message.text}${message.link ? `\n\n${message.link}` : ''}\n`,
    },
  };
}
