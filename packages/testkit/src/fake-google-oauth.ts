import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.ts';

type Answer = { status: number; body: unknown; headers?: Record<string, string> };
type Code = {
  clientId: string;
  redirectUri: string;
  challenge: string;
  scopes: string[];
  offline: boolean;
  account: string;
  expiresAt: number;
};

const token = () => randomBytes(24).toString('base64url');
/** Google's token endpoint errors (developers.google.com/identity/protocols/oauth2/native-app#exchange-authorization-code). */
const invalidGrant = (description: string): Answer => ({
  status: 400,
  body: { error: 'invalid_grant', error_description: description },
});

/** A loopback redirect as Google accepts it for a Desktop client: 127.0.0.1, [::1] or localhost, any port. */
function isLoopback(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(u.hostname);
  } catch {
    return false;
  }
}

/**
 * A fake of Google's OAuth 2.0 for a Desktop client, for the real google-auth-library:
 * `GET /o/oauth2/v2/auth` (the consent page of the signed-in account; allowing redirects to
 * the loopback `redirect_uri` with `code`, `state` and `scope`) and `POST /token` (the
 * authorization_code grant, with the client secret, the same redirect_uri and a code_verifier
 * checked against the S256 challenge; the refresh_token grant). As Google does
 * (developers.google.com/identity/protocols/oauth2/native-app): a refresh token only with
 * `access_type=offline`; codes are single-use; a refresh token of an app in "Testing" status
 * expires after 7 days (`testingRefreshTokenLifetimeMs`; tarickb/sasl-xoauth2#29), answering
 * `invalid_grant` like a revoked one. Issued refresh tokens go into `refreshTokens` (token ->
 * account), the record FakeCalendar and FakeGmail take, so the executors can use a login.
 */
export class FakeGoogleOAuth {
  /** The Google account signed in to the browser. */
  signedIn: string | null = null;
  /** Refresh token -> account, shared with FakeCalendar / FakeGmail. */
  readonly refreshTokens: Record<string, string>;
  /** Set for an app in "Testing" publishing status. */
  testingRefreshTokenLifetimeMs: number | null = null;
  url = '';
  private readonly clients: Array<{ id: string; secret: string }>;
  private readonly codes = new Map<string, Code>();
  private readonly issuedAt = new Map<string, { at: number; clientId: string; scopes: string[] }>();
  private readonly server = new LoopbackServer((req, res) => void this.handle(req, res));

  constructor(options: {
    clients: Array<{ id: string; secret: string }>;
    refreshTokens?: Record<string, string>;
  }) {
    this.clients = options.clients;
    this.refreshTokens = options.refreshTokens ?? {};
  }

  get authUrl(): string {
    return `${this.url}/o/oauth2/v2/auth`;
  }

  get tokenUrl(): string {
    return `${this.url}/token`;
  }

  async start(): Promise<this> {
    this.url = await this.server.listen();
    return this;
  }

  stop(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    let a: Answer;
    if (req.method === 'GET' && url.pathname === '/o/oauth2/v2/auth') a = this.consent(url.searchParams);
    else if (req.method === 'POST' && url.pathname === '/o/oauth2/v2/auth/approve') a = this.approve(form);
    else if (req.method === 'POST' && url.pathname === '/token') a = this.token(form);
    else a = { status: 404, body: 'Not Found' };
    const text = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
    const type = typeof a.body === 'string' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
    res.writeHead(a.status, { 'content-type': type, ...a.headers });
    res.end(text);
  }

  private problem(q: URLSearchParams): string | null {
    if (!this.clients.some((c) => c.id === q.get('client_id'))) return 'Error 401: invalid_client';
    if (!isLoopback(q.get('redirect_uri') ?? '')) return 'Error 400: redirect_uri_mismatch';
    if (q.get('response_type') !== 'code') return 'Error 400: invalid_request (response_type)';
    if (!q.get('scope')) return 'Error 400: invalid_request (Missing required parameter: scope)';
    if (q.get('code_challenge') && q.get('code_challenge_method') !== 'S256')
      return 'Error 400: invalid_request (code_challenge_method)';
    return null;
  }

  private consent(q: URLSearchParams): Answer {
    const problem = this.problem(q);
    if (problem) return { status: 400, body: `<p>${problem}</p>` };
    if (!this.signedIn) return { status: 200, body: '<p>Sign in with Google</p>' };
    const hidden = [...q].map(
      ([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/"/g, '&quot;')}">`,
    );
    return {
      status: 200,
      body: `<form method="post" action="/o/oauth2/v2/auth/approve">${hidden.join('')}<p>${this.signedIn}: allow access to ${q.get('scope')}</p><button id="allow" type="submit">Allow</button></form>`,
    };
  }

  private approve(form: Record<string, string>): Answer {
    const q = new URLSearchParams(form);
    const problem = this.problem(q);
    if (problem || !this.signedIn) return { status: 400, body: `<p>${problem ?? 'not signed in'}</p>` };
    const code = `4/${token()}`;
    const scopes = (form.scope ?? '').split(' ').filter(Boolean);
    this.codes.set(code, {
      clientId: form.client_id ?? '',
      redirectUri: form.redirect_uri ?? '',
      challenge: form.code_challenge ?? '',
      scopes,
      offline: form.access_type === 'offline',
      account: this.signedIn,
      expiresAt: Date.now() + 10 * 60_000,
    });
    const target = new URL(form.redirect_uri ?? '');
    target.searchParams.set('code', code);
    if (form.state) target.searchParams.set('state', form.state);
    target.searchParams.set('scope', scopes.join(' '));
    return { status: 302, body: '', headers: { location: target.toString() } };
  }

  private token(form: Record<string, string>): Answer {
    const client = this.clients.find((c) => c.id === form.client_id);
    if (!client || form.client_secret !== client.secret)
      return { status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } };
    if (form.grant_type === 'authorization_code') return this.redeem(form, client.id);
    if (form.grant_type !== 'refresh_token')
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' },
      };
    const rt = form.refresh_token ?? '';
    const issued = this.issuedAt.get(rt);
    if (!issued || !this.refreshTokens[rt] || issued.clientId !== client.id)
      return invalidGrant('Bad Request');
    const lifetime = this.testingRefreshTokenLifetimeMs;
    if (lifetime !== null && Date.now() - issued.at > lifetime)
      return invalidGrant('Token has been expired or revoked.');
    return {
      status: 200,
      body: {
        access_token: `ya29.${token()}`,
        expires_in: 3599,
        scope: issued.scopes.join(' '),
        token_type: 'Bearer',
      },
    };
  }

  private redeem(form: Record<string, string>, clientId: string): Answer {
    const code = this.codes.get(form.code ?? '');
    // Single-use: a code is gone once presented, right or wrong.
    this.codes.delete(form.code ?? '');
    if (!code || code.expiresAt <= Date.now() || code.clientId !== clientId)
      return invalidGrant('Malformed auth code.');
    if (form.redirect_uri !== code.redirectUri)
      return { status: 400, body: { error: 'redirect_uri_mismatch', error_description: 'Bad Request' } };
    if (
      code.challenge &&
      createHash('sha256')
        .update(form.code_verifier ?? '')
        .digest('base64url') !== code.challenge
    )
      return invalidGrant('Invalid code verifier.');
    const body: Record<string, unknown> = {
      access_token: `ya29.${token()}`,
      expires_in: 3599,
      scope: code.scopes.join(' '),
      token_type: 'Bearer',
    };
    if (code.offline) {
      const rt = `1//${token()}`;
      this.refreshTokens[rt] = code.account;
      this.issuedAt.set(rt, { at: Date.now(), clientId, scopes: code.scopes });
      body.refresh_token = rt;
    }
    return { status: 200, body };
  }
}
