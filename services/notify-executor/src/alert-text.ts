import type { PayloadOf } from '@agent-ops/contracts/payloads';

export type Alert = PayloadOf<'notify.send'>;

/** Title, text and link as one plain-text message, cut to `max` characters (the link is kept whole). */
export function plainMessage(alert: Alert, max: number): string {
  const tail = alert.link ? `\n\n${alert.link}` : '';
  const head = `${alert.title}\n\n`;
  const room = max - head.length - tail.length;
  const text =
    [...alert.text].length > room
      ? `${[...alert.text].slice(0, Math.max(0, room - 1)).join('')}…`
      : alert.text;
  return `${head}${text}${tail}`;
}

/** Slack's mrkdwn treats &, < and > as control characters (docs.slack.dev "Formatting text"). */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
