import { createHash } from 'node:crypto';
import type { Receipt } from '@agent-ops/contracts/receipt';
import { hookMessage } from './hook-message.ts';

/** What a queued report carries: the receipt, and the session to report to when one was named. */
export type HookReport = { receipt: Receipt; sessionKey: string | null };

/** Where a report goes: the gateway's agent and its default session (config `agentHook`). */
export type HookRoute = { agentId?: string | undefined; sessionKey?: string | undefined };

/** The meta field in which a producer names the OpenClaw session that asked for an intent. */
export const SESSION_KEY_META = 'sessionKey';

/**
 * The report's `Idempotency-Key`: a hash of the report's identity (prefix, channel, job id,
 * which names key, intent entry and status), the same on every retry and after a restart.
 * OpenClaw replays a hook that carries a key it has seen instead of starting a second run.
 */
export function hookIdempotencyKey(prefix: string, channel: string, jobId: string): string {
  const digest = createHash('sha256').update(`${prefix}\n${channel}\n${jobId}`).digest('base64url');
  return `agent-ops-${digest}`;
}

/** The body of POST /hooks/agent (OpenClaw's fields: message, name, wakeMode, agentId, sessionKey). */
export function hookBody(report: HookReport, route: HookRoute): Record<string, string> {
  const body: Record<string, string> = {
    message: hookMessage(report.receipt),
    name: 'agent-ops',
    wakeMode: 'now',
  };
  if (route.agentId) body.agentId = route.agentId;
  const sessionKey = report.sessionKey ?? route.sessionKey;
  if (sessionKey) body.sessionKey = sessionKey;
  return body;
}
