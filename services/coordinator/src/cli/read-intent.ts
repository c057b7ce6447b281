import { readFileSync } from 'node:fs';

export type IntentFlags = {
  file?: string;
  key?: string;
  action?: string;
  account?: string;
  text?: string;
  payload?: string;
  'not-before'?: string;
  'expires-at'?: string;
  /** The OpenClaw session asking: the coordinator's report of the receipt goes back to it. */
  'session-key'?: string;
};

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The intent of `ops submit`: JSON from --file (or - for stdin), or built from flags. */
export function readIntent(flags: IntentFlags, stdin: () => string): Record<string, unknown> {
  if (flags.file !== undefined) {
    const text = flags.file === '-' ? stdin() : readFileSync(flags.file, 'utf8');
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`--file ${flags.file}: not valid JSON (${(err as Error).message})`);
    }
  }
  for (const name of ['key', 'action', 'account'] as const) {
    if (!flags[name]) throw new UsageError(`--${name} is required (or give the whole intent with --file)`);
  }
  let payload: unknown = flags.text !== undefined ? { text: flags.text } : undefined;
  if (flags.payload !== undefined) {
    try {
      payload = JSON.parse(flags.payload);
    } catch {
      throw new UsageError('--payload: not valid JSON');
    }
  }
  if (payload === undefined) throw new UsageError('--payload (JSON) or --text is required');
  return {
    v: 1,
    idempotencyKey: flags.key,
    action: flags.action,
    account: flags.account,
    payload,
    notBefore: flags['not-before'] ?? null,
    expiresAt: flags['expires-at'] ?? null,
    meta: { source: 'ops-cli', ...(flags['session-key'] ? { sessionKey: flags['session-key'] } : {}) },
  };
}
