import { AccountName } from '@agent-ops/contracts/intent';
import { z } from 'zod';

const nonEmpty = z.string().min(1);

/**
 * An OAuth 2.0 login that stays alive (`ops login x --oauth2`): X's access tokens live 2 hours,
 * and each refresh spends the refresh token and returns a new pair, so the executor rewrites
 * this entry (`generation` + 1) before it uses the new access token (x-oauth2-tokens.ts).
 */
export const XOAuth2LoginSchema = z.strictObject({
  clientId: nonEmpty,
  /** Only for a confidential client ("Web App, Automated App or Bot"); a native app has none. */
  clientSecret: nonEmpty.optional(),
  accessToken: nonEmpty,
  refreshToken: nonEmpty,
  /** ISO 8601: when the access token was obtained and when it expires. */
  obtainedAt: z.iso.datetime({ offset: true }),
  expiresAt: z.iso.datetime({ offset: true }),
  /** How many refreshes made this pair: the newest copy wins, wherever it is read. */
  generation: z.number().int().nonnegative(),
  scopes: z.array(nonEmpty).optional(),
});
export type XOAuth2Login = z.output<typeof XOAuth2LoginSchema>;

export const XCredentialsSchema = z.union([
  z.strictObject({ appKey: nonEmpty, appSecret: nonEmpty, accessToken: nonEmpty, accessSecret: nonEmpty }),
  z.strictObject({ oauth2AccessToken: nonEmpty }),
  z.strictObject({ oauth2: XOAuth2LoginSchema }),
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
    else if ('oauth2' in c)
      out.push(
        c.oauth2.accessToken,
        c.oauth2.refreshToken,
        ...(c.oauth2.clientSecret ? [c.oauth2.clientSecret] : []),
      );
    else out.push(c.appSecret, c.accessToken, c.accessSecret, c.appKey);
  }
  return out;
}
