import type { IntentRecord } from '@agent-ops/contracts/intent-record';
import { type AlertEvent, isAlertKey, quote } from './alert-events.ts';
import type { AlertsConfig } from './alerts-config.ts';
import { approvalLink } from './approval-link.ts';

function headline(r: IntentRecord): string {
  const p = (r.intent?.payload ?? {}) as Record<string, unknown>;
  // A thread is recognised by its first post.
  const first = Array.isArray(p.parts) ? (p.parts[0] as { text?: unknown } | undefined)?.text : undefined;
  const text = [p.text, first, p.subject, p.summary, p.title, p.endpoint].find((v) => typeof v === 'string');
  return quote(text as string | undefined);
}

/** The signed link to the approval, valid until its deadline or `linkHours` after submission, whichever is first. */
function linkOf(config: AlertsConfig, r: IntentRecord): string | null {
  if (!config.dashboardUrl) return null;
  if (!config.linkKey) return `${config.dashboardUrl.replace(/\/$/, '')}/`;
  const submitted = Date.parse(r.submittedAt ?? r.updatedAt);
  const deadline = r.approvalDeadline ? Date.parse(r.approvalDeadline) : Number.POSITIVE_INFINITY;
  const expiresAt = Math.min(deadline, submitted + config.linkHours * 3_600_000);
  return approvalLink(config.dashboardUrl, config.linkKey, {
    channel: r.channel,
    key: r.idempotencyKey,
    expiresAt,
  });
}

/**
 * Each pending approval is an event once (its id carries when it was submitted), and once
 * more when its deadline comes within `lapseWarningMinutes` (the id carries the deadline).
 */
export function approvalEvents(config: AlertsConfig, pending: IntentRecord[], now: number): AlertEvent[] {
  const out: AlertEvent[] = [];
  const warnMs = config.lapseWarningMinutes * 60_000;
  for (const r of pending) {
    if (r.state !== 'pending_approval' || isAlertKey(r.idempotencyKey)) continue;
    const what = `${r.action} for ${r.account} (${r.idempotencyKey})`;
    const link = linkOf(config, r);
    const base = { channel: r.channel, key: r.idempotencyKey, account: r.account, link };
    const submitted = Date.parse(r.submittedAt ?? r.updatedAt);
    out.push({
      ...base,
      id: `approval.${r.channel}.${r.idempotencyKey}.${submitted}`,
      kind: 'approval_waiting',
      summary: `${what} waits for your approval${r.submittedBy ? ` (from ${r.submittedBy})` : ''}:${headline(r)}`,
    });
    const deadline = r.approvalDeadline ? Date.parse(r.approvalDeadline) : null;
    if (deadline !== null && deadline > now && deadline - now <= warnMs) {
      out.push({
        ...base,
        id: `lapsing.${r.channel}.${r.idempotencyKey}.${deadline}`,
        kind: 'approval_lapsing',
        summary: `${what} lapses at ${new Date(deadline).toISOString()} unless approved:${headline(r)}`,
      });
    }
  }
  return out;
}
