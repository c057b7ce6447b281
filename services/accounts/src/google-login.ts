import { randomBytes } from 'node:crypto';
import { readSecretsEntry } from '@agent-ops/runtime/secrets-file-write';
import { BROWSER_STEP_MS, type LoginIo, valueFrom, withTimeout } from './login-io.ts';
import { LoopbackCallback } from './loopback-callback.ts';
import { writeAccountEntry } from './write-account.ts';

/** The calendar executor inserts, reads, patches and deletes events: `calendar.events`, not all of Calendar. */
export const CALENDAR_SCOPE = 'https://www.googleapis.com/auth/calendar.events';
/** SMTP with XOAUTH2 and the Gmail API's search of Sent both need the full-mail scope (developers.google.com/gmail/xoauth2_protocol). */
export const GMAIL_SCOPE = 'https://mail.google.com/';

export type GoogleLoginOptions = {
  account: string;
  secretsFile: string;
  calendar: boolean;
  gmail: boolean;
  /** The Gmail address that sends (`--gmail-user`); asked for when missing. */
  gmailUser: string | undefined;
  /** 0: any free port; a Desktop client accepts every loopback port. */
  port: number;
};

export const TESTING_STATUS_WARNING = [
  'Note: while the OAuth consent screen of your Google Cloud project is in "Testing" status,',
  'Google expires its refresh tokens after 7 days, and the executors then stop with',
  '"invalid_grant". Publish the app (Google Auth Platform > Audience > Publish app; an app',
  'for your own accounts needs no verification to be "In production"), then run this again.',
];

function endpoints(env: LoginIo['env']) {
  return {
    ...(env.GOOGLE_OAUTH_AUTH_URL ? { oauth2AuthBaseUrl: env.GOOGLE_OAUTH_AUTH_URL } : {}),
    ...(env.GOOGLE_OAUTH_TOKEN_URL ? { oauth2TokenUrl: env.GOOGLE_OAUTH_TOKEN_URL } : {}),
  };
}

/**
 * `ops login google`: consent in the browser for a Desktop OAuth client (loopback redirect,
 * PKCE S256, `access_type=offline` and `prompt=consent`, so Google issues a refresh token
 * every time), then the account's calendar and/or Gmail entries, and a check that the refresh
 * token is accepted.
 */
export async function loginGoogle(io: LoginIo, o: GoogleLoginOptions): Promise<void> {
  if (!o.calendar && !o.gmail) throw new Error('--calendar, --gmail or both: say what to connect');
  const current = (readSecretsEntry(o.secretsFile, o.account, 'calendar') ??
    (readSecretsEntry(o.secretsFile, o.account, 'email') as { gmail?: unknown } | undefined)?.gmail) as
    | { clientId?: unknown; clientSecret?: unknown }
    | undefined;
  const clientId = await valueFrom(io, 'GOOGLE_CLIENT_ID', current?.clientId, 'Google Desktop client ID: ');
  const clientSecret = await valueFrom(
    io,
    'GOOGLE_CLIENT_SECRET',
    current?.clientSecret,
    'Google Desktop client secret: ',
  );
  const gmailUser = o.gmail
    ? (o.gmailUser ?? (await io.prompt.ask('Gmail address that sends: ', '--gmail-user')))
    : null;
  const scopes = [...(o.calendar ? [CALENDAR_SCOPE] : []), ...(o.gmail ? [GMAIL_SCOPE] : [])];

  const { CodeChallengeMethod, OAuth2Client } = await import('google-auth-library');
  const callback = new LoopbackCallback();
  const state = randomBytes(24).toString('base64url');
  let refreshToken: string;
  try {
    const redirectUri = await callback.listen(o.port, '/', () => state);
    const client = new OAuth2Client({ clientId, clientSecret, redirectUri, endpoints: endpoints(io.env) });
    const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
    const url = client.generateAuthUrl({
      access_type: 'offline',
      prompt: 'consent',
      scope: scopes,
      state,
      code_challenge_method: CodeChallengeMethod.S256,
      code_challenge: codeChallenge,
    });
    for (const line of TESTING_STATUS_WARNING) io.print(line);
    io.print('Open this page in a browser signed in to the Google account to connect, and allow access:');
    io.print(`  ${url}`);
    const { code } = await withTimeout(callback.wait(), BROWSER_STEP_MS, 'the Google consent');
    const { tokens } = await client.getToken({ code, codeVerifier, redirect_uri: redirectUri });
    const granted = (tokens.scope ?? '').split(' ');
    // Google lets a person untick scopes on the consent page (granular consent).
    const missing = scopes.filter((s) => !granted.includes(s));
    if (missing.length > 0)
      throw new Error(
        `Google granted the login without ${missing.join(', ')}; allow every box on the consent page`,
      );
    if (!tokens.refresh_token)
      throw new Error('Google answered no refresh token; run this again (prompt=consent asks for one)');
    refreshToken = tokens.refresh_token;
  } finally {
    await callback.close();
  }

  if (o.calendar) {
    await writeAccountEntry(o.secretsFile, o.account, 'calendar', () => ({
      clientId,
      clientSecret,
      refreshToken,
    }));
    io.print(`wrote accounts.${o.account}.calendar to ${o.secretsFile} (mode 0600)`);
  }
  if (gmailUser) {
    await writeAccountEntry(o.secretsFile, o.account, 'email', (cur) => {
      // Gmail replaces SMTP and IMAP (the Gmail API finds sent mail); every other setting stays.
      const { smtp: _smtp, imap: _imap, ...rest } = cur ?? {};
      return {
        ...rest,
        gmail: { user: gmailUser, clientId, clientSecret, refreshToken },
        allowedFrom: rest.allowedFrom ?? [gmailUser],
      };
    });
    io.print(`wrote accounts.${o.account}.email (Gmail as ${gmailUser}) to ${o.secretsFile} (mode 0600)`);
  }
  // The check: Google accepts the refresh token for a new access token, as the executors will ask.
  const checker = new OAuth2Client({ clientId, clientSecret, endpoints: endpoints(io.env) });
  checker.setCredentials({ refresh_token: refreshToken });
  const { token } = await checker.getAccessToken();
  if (!token) throw new Error('Google did not answer an access token for the new refresh token');
  io.print(`checked: Google accepts the refresh token of account ${o.account} (${scopes.join(' ')})`);
}
