/**
 * The numeric codes the Lua scripts return, turned into typed results in one place.
 */
export const BeginCode = {
  Begun: 0,
  GateClosed: 1,
  Done: 2,
  Busy: 3,
  Verdict: 4,
  Takeover: 5,
} as const;

export type ArmedRecord = {
  owner: string;
  token: string;
  intentId: string;
  attempt: number;
  /** ms since epoch (Redis clock) when the first armed attempt for the key started. */
  startedAt: number;
  attemptStartedAt: number;
  /** Points of no return the attempts still in doubt reached (`mark.lua`). */
  marks?: string[];
};

export type DoneRecord = { status: string; receiptId: string };

export type BeginResult =
  | { code: 'begun'; attempt: number; startedAt: number }
  | { code: 'gate_closed' }
  | { code: 'done'; done: DoneRecord }
  | { code: 'busy' }
  | { code: 'verdict' }
  | { code: 'takeover'; attempt: number; startedAt: number; previous: ArmedRecord };

export function parseBegin(reply: unknown[]): BeginResult {
  const [code, a, b, c] = reply;
  switch (Number(code)) {
    case BeginCode.Begun:
      return { code: 'begun', attempt: Number(a), startedAt: Number(b) };
    case BeginCode.GateClosed:
      return { code: 'gate_closed' };
    case BeginCode.Done:
      return { code: 'done', done: JSON.parse(String(a)) as DoneRecord };
    case BeginCode.Busy:
      return { code: 'busy' };
    case BeginCode.Verdict:
      return { code: 'verdict' };
    case BeginCode.Takeover:
      return { code: 'takeover', attempt: Number(a), startedAt: Number(b), previous: JSON.parse(String(c)) };
    default:
      throw new Error(`begin.lua returned unknown code ${String(code)}`);
  }
}

export type LeaseRecord = {
  owner: string;
  token: string;
  expiresAt: number;
  since: number;
  intentId: string;
};

export type CommitResult =
  | { code: 'committed'; receiptId: string }
  | { code: 'already_done'; done: DoneRecord }
  /** The lease passed to another owner (or is gone): nothing was written or acknowledged. */
  | { code: 'stale'; lease: LeaseRecord | null };

export function parseCommit(reply: unknown[]): CommitResult {
  const [code, value] = reply;
  if (Number(code) === 0) return { code: 'committed', receiptId: String(value) };
  if (Number(code) === 1) return { code: 'already_done', done: JSON.parse(String(value)) as DoneRecord };
  if (Number(code) === 2)
    return { code: 'stale', lease: value ? (JSON.parse(String(value)) as LeaseRecord) : null };
  throw new Error(`commit.lua returned unknown code ${String(code)}`);
}
