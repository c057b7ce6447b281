import { randomBytes } from 'node:crypto';
import { readSecretsEntry } from '@agent-ops/runtime/secrets-file-write';
import { createXAppClient, createXClient, DEFAULT_X_API_BASE_URL } from '@agent-ops/x-executor/x-client';
import { XCredentialsSchema } from '@agent-ops/x-executor/x-secrets';
import { BROWSER_STEP_MS, type LoginIo, valueFrom, withTimeout } from './login-io.ts';
import { LoopbackCallback } from './loopback-callback.ts';
import { writeAccountEntry } from './write-account.ts';

/**
 * The scopes the x-executor uses, and no more: read the account's posts and its own user
 * (reconcile, receipts' URLs), write and delete posts, upload the images and videos they carry
 * (`media.write`, which X's v2 media upload requires), and `offline.access` for the refresh
 * token that keeps the login alive past the access token's 2 hours.
 */
export const X_OAUTH2_SCOPES = [
  'tweet.read',
  'tweet.write',
  'users.read',
  'media.write',
  'offline.access',
] as const;

/** The port of the loopback callback: X matches the callback URL exactly, so it is fixed and registered. */
export const X_CALLBACK_PORT = 8765;

export type XLoginOptions = {
  account: string;
  secretsFile: string;
  /** X_API_BASE_URL: where every X request goes, and the sign-in pages too (a fake in tests). */
  apiBaseUrl: string;
  oauth2: boolean;
  port: number;
};

/** X's sign-in pages are on x.com and api.x.com; a redirected base (a fake) serves them itself. */
function pageUrl(url: string, apiBaseUrl: string): string {
  if (new URL(apiBaseUrl).origin === new URL(DEFAULT_X_API_BASE_URL).origin) return url;
  const u = new URL(url);
  return `${new URL(apiBaseUrl).origin}${u.pathname}${u.search}`;
}

async function check(io: LoginIo, o: XLoginOptions, entry: unknown): Promise<void> {
  const parsed = XCredentialsSchema.parse(entry);
  const client =
    'oauth2' in parsed
      ? await createXClient({ oauth2AccessToken: parsed.oauth2.accessToken }, o.apiBaseUrl, 20_000)
      : await createXClient(parsed, o.apiBaseUrl, 20_000);
  const { data } = await client.v2.me();
  io.print(`checked: X answers as @${data.username} (user ${data.id}) for account ${o.account}`);
}

/** OAuth 1.0a PIN flow: tokens that do not expire, and no callback URL needed. */
async function pinLogin(io: LoginIo, o: XLoginOptions): Promise<Record<string, unknown>> {
  const current = readSecretsEntry(o.secretsFile, o.account, 'x') as Record<string, unknown> | undefined;
  const appKey = await valueFrom(io, 'X_API_KEY', current?.appKey, 'X app API Key (consumer key): ');
  const appSecret = await valueFrom(io, 'X_API_SECRET', current?.appSecret, 'X app API Key Secret: ');
  const app = await createXAppClient({ appKey, appSecret }, o.apiBaseUrl, 20_000);
  const link = await app.generateAuthLink('oob', { linkMode: 'authorize' });
  io.print(`Open this page in a browser signed in to X as the account to connect, and authorize the app:`);
  io.print(`  ${pageUrl(link.url, o.apiBaseUrl)}`);
  const pin = await io.prompt.ask('Then type the PIN X shows: ', 'PIN');
  const requestClient = await createXClient(
    { appKey, appSecret, accessToken: link.oauth_token, accessSecret: link.oauth_token_secret },
    o.apiBaseUrl,
    20_000,
  );
  const user = await requestClient.login(pin);
  return { appKey, appSecret, accessToken: user.accessToken, accessSecret: user.accessSecret };
}

/** OAuth 2.0 Authorization Code with PKCE on a loopback redirect; the executor refreshes it from then on. */
async function oauth2Login(io: LoginIo, o: XLoginOptions): Promise<Record<string, unknown>> {
  const current = readSecretsEntry(o.secretsFile, o.account, 'x') as
    | { oauth2?: Record<string, unknown> }
    | undefined;
  const clientId = await valueFrom(
    io,
    'X_CLIENT_ID',
    current?.oauth2?.clientId,
    'X app OAuth 2.0 Client ID: ',
  );
  // A "Web App, Automated App or Bot" client has a secret; a "Native App" has none.
  const clientSecret =
    io.env.X_CLIENT_SECRET || (current?.oauth2?.clientSecret as string | undefined) || undefined;
  const app = await createXAppClient({ clientId, clientSecret }, o.apiBaseUrl, 20_000);
  const callback = new LoopbackCallback();
  let state = '';
  try {
    const redirectUri = await callback.listen(o.port, '/callback', () => state);
    const link = app.generateOAuth2AuthLink(redirectUri, {
      scope: [...X_OAUTH2_SCOPES],
      state: randomBytes(24).toString('base64url'),
    });
    state = link.state;
    io.print(`Open this page in a browser signed in to X as the account to connect, and authorize the app`);
    io.print(`(its callback URL must be registered as ${redirectUri}):`);
    io.print(`  ${pageUrl(link.url, o.apiBaseUrl)}`);
    const { code } = await withTimeout(callback.wait(), BROWSER_STEP_MS, 'the X sign-in');
    const r = await app.loginWithOAuth2({ code, codeVerifier: link.codeVerifier, redirectUri });
    const missing = X_OAUTH2_SCOPES.filter((s) => !r.scope.includes(s));
    if (missing.length > 0 || !r.refreshToken)
      throw new Error(
        `X granted the login without ${missing.join(', ') || 'a refresh token'}; authorize every scope asked for`,
      );
    const now = Date.now();
    return {
      oauth2: {
        clientId,
        ...(clientSecret ? { clientSecret } : {}),
        accessToken: r.accessToken,
        refreshToken: r.refreshToken,
        obtainedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + r.expiresIn * 1000).toISOString(),
        // Starts at the time, so a new login outranks every pair an older grant rotated into.
        generation: now,
        scopes: r.scope,
      },
    };
  } finally {
    await callback.close();
  }
}

/** `ops login x`: signs the account in, writes its entry (nothing printed but the user's name), and checks it. */
export async function loginX(io: LoginIo, o: XLoginOptions): Promise<void> {
  const entry = o.oauth2 ? await oauth2Login(io, o) : await pinLogin(io, o);
  XCredentialsSchema.parse(entry);
  await writeAccountEntry(o.secretsFile, o.account, 'x', () => entry);
  io.print(`wrote accounts.${o.account}.x to ${o.secretsFile} (mode 0600)`);
  await check(io, o, entry);
}
