import { AccountName } from '@agent-ops/contracts/intent';
import { z } from 'zod';

const nonEmpty = z.string().min(1);

export const XCredentialsSchema = z.union([
  z.strictObject({ appKey: nonEmpty, appSecret: nonEmpty, accessToken: nonEmpty, accessSecret: nonEmpty }),
  z.strictObject({ oauth2AccessToken: nonEmpty }),
]);
export type XCredentials = z.output<typeof XCredentialsSchema>;

/** `OPS_SECRETS_FILE`: `{"accounts": {"<account>": {"x": {...}}}}`; other channels' entries are ignored here. */
export const XSecretsSchema = z.object({
  accounts: z.record(AccountName, z.object({ x: XCredentialsSchema.optional() })),
});

export function xCredentialsByAccount(secrets: z.output<typeof XSecretsSchema>): Map<string, XCredentials> {
  const out = new Map<string, XCredentials>();
  for (const [account, entry] of Object.entries(secrets.accounts)) if (entry.x) out.set(account, entry.x);
  return out;
}

export function secretValuesOf(credentials: Iterable<XCredentials>): string[] {
  const out: string[] = [];
  for (const c of credentials) {
    if ('oauth2AccessToken' in c) out.push(c.oauth2AccessToken);
    else out.push(c.appSecret, c.accessToken, c.accessSecret, c.appKey);
  }
  return out;
}
