import { AccountName } from '@agent-ops/contracts/intent';
import { z } from 'zod';

const calendarName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: 'must be a calendar name (a-z, 0-9, _ and -)' });
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * Where a calendar is: its collection URL (the most direct, e.g. from the server's settings
 * page), or its display name, found by discovery (RFC 6764 well-known URL, current-user-principal,
 * calendar-home-set) from `serverUrl`.
 */
const CalendarRef = z.union([
  z.strictObject({ url: httpUrl }),
  z.strictObject({ displayName: z.string().min(1).max(200) }),
]);

export const CaldavAccountSchema = z
  .strictObject({
    /** Where discovery starts: https://caldav.icloud.com, https://caldav.fastmail.com, https://cloud.example/remote.php/dav. */
    serverUrl: httpUrl.optional(),
    username: z.string().min(1),
    /** An app-specific password where the provider has them (iCloud requires one; Fastmail too). */
    password: z.string().min(1),
    calendars: z.record(calendarName, CalendarRef).refine((c) => Object.keys(c).length > 0, {
      error: 'must name at least one calendar',
    }),
    timeoutMs: z.int().min(100).max(120_000).default(20_000),
  })
  .refine((a) => a.serverUrl !== undefined || Object.values(a.calendars).every((c) => 'url' in c), {
    error: 'a calendar given by displayName needs serverUrl to discover it from',
    path: ['serverUrl'],
  });
export type CaldavAccount = z.output<typeof CaldavAccountSchema>;

/** `OPS_SECRETS_FILE`: `{"accounts": {"<account>": {"caldav": {serverUrl?, username, password, calendars}}}}`. */
export const CaldavSecretsSchema = z.object({
  accounts: z.record(AccountName, z.object({ caldav: CaldavAccountSchema.optional() })),
});

export function caldavAccounts(secrets: z.output<typeof CaldavSecretsSchema>): Map<string, CaldavAccount> {
  const out = new Map<string, CaldavAccount>();
  for (const [account, entry] of Object.entries(secrets.accounts))
    if (entry.caldav) out.set(account, entry.caldav);
  return out;
}
