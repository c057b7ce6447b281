import { AccountName } from '@agent-ops/contracts/intent';
import { z } from 'zod';

export const CalendarAccountSchema = z.strictObject({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  refreshToken: z.string().min(1),
  timeoutMs: z.int().min(100).max(120_000).default(20_000),
});
export type CalendarAccount = z.output<typeof CalendarAccountSchema>;

/** `OPS_SECRETS_FILE`: `{"accounts": {"<account>": {"calendar": {clientId, clientSecret, refreshToken}}}}`. */
export const CalendarSecretsSchema = z.object({
  accounts: z.record(AccountName, z.object({ calendar: CalendarAccountSchema.optional() })),
});

export function calendarAccounts(
  secrets: z.output<typeof CalendarSecretsSchema>,
): Map<string, CalendarAccount> {
  const out = new Map<string, CalendarAccount>();
  for (const [account, entry] of Object.entries(secrets.accounts))
    if (entry.calendar) out.set(account, entry.calendar);
  return out;
}
