import { createHash } from 'node:crypto';
import type { Receipt } from '@agent-ops/contracts/receipt';
import { hookMessage } from './hook-message.ts';

/**
 * What a queued report carries: the receipt, and the session to report to when the intent
 * named one. `fallback` is set once the gateway refused that session (400): the report then
 * goes to the configured session instead, under an Idempotency-Key of its own.
 */
export type HookReport = { receipt: Receipt; sessionKey: string | null; fallback?: boolean };

/** Where a report goes: the gateway's agent and its default session (config `agentHook`). */
export type HookRoute = { agentId?: string | undefined; sessionKey?: string | undefined };

/** The meta field in which a producer names the OpenClaw session that asked for an intent. */
export const SESSION_KEY_META = 'sessionKey';

/**
 * The report's `Idempotency-Key`: a hash of the report's identity (prefix, channel, job id,
 * which names key, intent entry and status), the same on every retry and after a restart.
 * OpenClaw replays a hook that carries a key it has seen instead of starting a second run.
 */
export function hookIdempotencyKey(prefix: string, channel: string, jobId: string, fallback = false): string {
  const identity = `${prefix}\n${channel}\n${jobId}${fallback ? '\nfallback' : ''}`;
  const digest = createHash('sha256').update(identity).digest('base64url');
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
  const sessionKey = (report.fallback ? null : report.sessionKey) ?? route.sessionKey;
  if (sessionKey) body.sessionKey = sessionKey;
  return body;
}
