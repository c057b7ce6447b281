import { z } from 'zod';

/**
 * How an account's login stands, as the executors found it: `ok`, or `needs_reauth` when the
 * API refused the credentials (a person must run `ops login`), and the account's intents
 * are held meanwhile. Published per channel in the `accounts` hash (keys.ts); never a secret.
 */
export const ACCOUNT_STATUSES = ['ok', 'needs_reauth'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export const AccountHealthSchema = z.strictObject({
  status: z.enum(ACCOUNT_STATUSES),
  /** Why, for a person: the API's refusal (secrets scrubbed); null when ok. */
  reason: z.string().max(2000).nullable(),
  /** ISO time the account entered this status. */
  since: z.iso.datetime(),
  /** ISO time of the latest check or call that confirmed it. */
  checkedAt: z.iso.datetime(),
  /** The consumer (executor process) that wrote the record. */
  by: z.string(),
});
export type AccountHealth = z.output<typeof AccountHealthSchema>;

/** The `held` hash's value: which account an intent waits for, and since when (ISO). */
export const HeldIntentSchema = z.strictObject({ account: z.string(), since: z.iso.datetime() });
export type HeldIntent = z.output<typeof HeldIntentSchema>;

/** Parses one stored record; null for a value that is not one (never throws on what Redis holds). */
export function parseAccountHealth(json: string | null | undefined): AccountHealth | null {
  if (!json) return null;
  try {
    const parsed = AccountHealthSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Counts the held intents of each account from the `held` hash's values. */
export function heldByAccount(values: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const json of values) {
    try {
      const parsed = HeldIntentSchema.safeParse(JSON.parse(json));
      if (parsed.success) out.set(parsed.data.account, (out.get(parsed.data.account) ?? 0) + 1);
    } catch {
      // Not ours to judge here: a value that is not a record counts for no account.
    }
  }
  return out;
}
