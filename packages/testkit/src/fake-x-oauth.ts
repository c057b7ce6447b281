import { createHash, randomBytes } from 'node:crypto';
import type { FakeXUser } from './fake-x-posts.ts';

/** An X app as the developer portal registers it. */
export type FakeXApp = {
  /** OAuth 1.0a consumer key and secret ("API Key and Secret"). */
  consumerKey?: string;
  consumerSecret?: string;
  /** OAuth 2.0 client id; a confidential client ("Web App") also has a secret. */
  clientId?: string;
  clientSecret?: string;
  /** Callback URLs registered for the app; X requires an exact match. */
  callbackUrls?: string[];
};

type Grant = { id: number; user: FakeXUser; clientId: string; scopes: string[]; revoked: boolean };
type AccessToken = { grant: Grant; expiresAt: number };
type RefreshToken = { grant: Grant; used: boolean };
type Code = {
  grant: Omit<Grant, 'id' | 'revoked'>;
  redirectUri: string;
  challenge: string;
  expiresAt: number;
};
type Answer = { status: number; body: unknown; contentType?: string; headers?: Record<string, string> };

const token = (bytes = 24) => randomBytes(bytes).toString('base64url');

/** X's token endpoint errors are plain OAuth 2.0 error objects (RFC 6749 §5.2). */
function oauthError(error: string, description: string): Answer {
  return { status: 400, body: { error, error_description: description } };
}

function formOf(raw: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(raw));
}

/** The Basic client credentials of a confidential client (RFC 6749 §2.3.1). */
function basicOf(authorization: string | undefined): { id: string; secret: string } | null {
  const b64 = /^Basic (.+)$/i.exec(authorization ?? '')?.[1];
  if (!b64) return null;
  const text = Buffer.from(b64, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) return null;
  return { id: decodeURIComponent(text.slice(0, i)), secret: decodeURIComponent(text.slice(i + 1)) };
}

function oauth1Params(authorization: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (authorization ?? '').matchAll(/(\w+)="([^"]*)"/g))
    out[m[1] as string] = decodeURIComponent(m[2] as string);
  return out;
}

/**
 * X's user-authentication endpoints, with the token rules that matter for keeping an account
 * signed in:
 *
 * - OAuth 2.0 Authorization Code with PKCE (docs.x.com "fundamentals/authentication/oauth-2-0/
 *   authorization-code"): `GET /i/oauth2/authorize` (a consent page; approving redirects to the
 *   registered callback with `code` and `state`), `POST /2/oauth2/token` with
 *   `grant_type=authorization_code` (code, `code_verifier` checked against the S256 challenge,
 *   the same `redirect_uri`) and `grant_type=refresh_token`. Confidential clients authenticate
 *   with HTTP Basic; public clients send `client_id`. Access tokens live `accessTokenTtlSec`
 *   (X: 2 hours); a refresh token is issued only with `offline.access`; every refresh returns a
 *   new refresh token and the old one is spent; presenting a spent one is refused and revokes
 *   the whole grant, every access and refresh token of it (trypostit/trypost#126,
 *   gptme/gptme-contrib#285: X's answer is 400 `invalid_request`, "Value passed for the token
 *   was invalid.").
 * - OAuth 1.0a PIN flow: `POST /oauth/request_token` (`oauth_callback=oob`), `GET
 *   /oauth/authorize|authenticate` (the page that shows the PIN), `POST /oauth/access_token`
 *   with `oauth_verifier`; the user tokens it gives do not expire.
 */
export class FakeXOAuth {
  /** Access token lifetime, seconds; a test sets a few seconds to run many lifetimes. */
  accessTokenTtlSec: number;
  /** The user signed in to x.com in the browser, who approves a consent page. */
  signedIn: FakeXUser | null = null;
  /** How many times each refresh token was presented: a value above 1 is a reuse. */
  readonly refreshUses = new Map<string, number>();
  /** Requests made with an access token after it expired or its grant was revoked. */
  readonly staleAccessTokenUses: Array<{ at: number; expiredAt: number; revoked: boolean }> = [];
  /** Grants revoked because a spent refresh token was presented. */
  revokedGrants = 0;
  /** Called after a refresh has rotated the tokens and before it answers: where a test can crash the caller. */
  onRefresh: (() => void | Promise<void>) | null = null;

  private readonly apps: FakeXApp[];
  private readonly users: Record<string, FakeXUser>;
  private nextGrant = 1;
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly codes = new Map<string, Code>();
  /** OAuth 1.0a request token -> its secret, consumer key, and the PIN once approved. */
  private readonly requestTokens = new Map<string, { secret: string; consumerKey: string; pin: string }>();

  constructor(options: { apps: FakeXApp[]; users: Record<string, FakeXUser>; accessTokenTtlSec?: number }) {
    this.apps = options.apps;
    this.users = options.users;
    this.accessTokenTtlSec = options.accessTokenTtlSec ?? 7200;
  }

  /** Issues a grant directly, as a login made earlier would have: for tests that start signed in. */
  issue(user: FakeXUser, clientId: string, scopes: string[]): { accessToken: string; refreshToken: string } {
    return this.newTokens({ id: this.nextGrant++, user, clientId, scopes, revoked: false });
  }

  /** The user an OAuth 2.0 bearer token acts as, while it is valid; `undefined` when it is not ours. */
  userOfBearer(bearer: string): FakeXUser | null | undefined {
    const t = this.accessTokens.get(bearer);
    if (!t) return undefined;
    const now = Date.now();
    if (t.grant.revoked || t.expiresAt <= now) {
      this.staleAccessTokenUses.push({ at: now, expiredAt: t.expiresAt, revoked: t.grant.revoked });
      return null;
    }
    return t.grant.user;
  }

  /** The scopes granted to an OAuth 2.0 bearer token; `undefined` when it is not ours. */
  scopesOfBearer(bearer: string): readonly string[] | undefined {
    return this.accessTokens.get(bearer)?.grant.scopes;
  }

  /** Refresh tokens presented more than once. */
  reusedRefreshTokens(): string[] {
    return [...this.refreshUses].filter(([, n]) => n > 1).map(([t]) => t);
  }

  handles(method: string, path: string): boolean {
    return (
      (method === 'POST' && path === '/2/oauth2/token') ||
      (path === '/i/oauth2/authorize' && (method === 'GET' || method === 'POST')) ||
      (method === 'POST' && (path === '/oauth/request_token' || path === '/oauth/access_token')) ||
      (method === 'GET' && (path === '/oauth/authorize' || path === '/oauth/authenticate'))
    );
  }

  async answer(
    method: string,
    url: URL,
    headers: Record<string, string | string[] | undefined>,
    raw: string,
  ): Promise<Answer> {
    const path = url.pathname;
    const authorization = headers.authorization as string | undefined;
    if (path === '/2/oauth2/token') return this.token(formOf(raw), authorization);
    if (path === '/i/oauth2/authorize')
      return method === 'GET' ? this.consentPage(url.searchParams) : this.approve(formOf(raw));
    // OAuth 1.0a parameters come in the Authorization header or the form body (RFC 5849 §3.5).
    if (path === '/oauth/request_token')
      return this.requestToken({ ...formOf(raw), ...oauth1Params(authorization) });
    if (path === '/oauth/access_token') return this.accessToken(oauth1Params(authorization), formOf(raw));
    return this.pinPage(url.searchParams);
  }

  private newTokens(grant: Grant): { accessToken: string; refreshToken: string } {
    const accessToken = token();
    this.accessTokens.set(accessToken, { grant, expiresAt: Date.now() + this.accessTokenTtlSec * 1000 });
    const refreshToken = token();
    if (grant.scopes.includes('offline.access')) this.refreshTokens.set(refreshToken, { grant, used: false });
    return { accessToken, refreshToken };
  }

  private revoke(grant: Grant): void {
    grant.revoked = true;
    this.revokedGrants += 1;
    for (const [t, r] of this.refreshTokens) if (r.grant === grant) this.refreshTokens.delete(t);
  }

  private app(clientId: string | undefined): FakeXApp | undefined {
    return clientId ? this.apps.find((a) => a.clientId === clientId) : undefined;
  }

  /** The client of a token request: Basic for a confidential client, `client_id` for a public one. */
  private client(form: Record<string, string>, authorization: string | undefined): FakeXApp | Answer {
    const basic = basicOf(authorization);
    const app = this.app(basic?.id ?? form.client_id);
    if (!app)
      return {
        status: 401,
        body: { error: 'invalid_client', error_description: 'Missing valid authorization header' },
      };
    if (app.clientSecret && basic?.secret !== app.clientSecret)
      return {
        status: 401,
        body: { error: 'unauthorized_client', error_description: 'Missing valid authorization header' },
      };
    return app;
  }

  private async token(form: Record<string, string>, authorization: string | undefined): Promise<Answer> {
    const app = this.client(form, authorization);
    if ('status' in app) return app;
    if (form.grant_type === 'authorization_code') return this.redeem(form, app);
    if (form.grant_type !== 'refresh_token')
      return oauthError('invalid_request', 'Missing required parameter [grant_type].');
    const presented = form.refresh_token ?? '';
    this.refreshUses.set(presented, (this.refreshUses.get(presented) ?? 0) + 1);
    const r = this.refreshTokens.get(presented);
    if (!r || r.grant.clientId !== app.clientId)
      return oauthError('invalid_request', 'Value passed for the token was invalid.');
    if (r.used) {
      // A spent token came back: someone holds a copy. X revokes the grant rather than guess who.
      this.revoke(r.grant);
      return oauthError('invalid_request', 'Value passed for the token was invalid.');
    }
    r.used = true;
    const fresh = this.newTokens(r.grant);
    await this.onRefresh?.();
    return this.tokenAnswer(r.grant, fresh);
  }

  private redeem(form: Record<string, string>, app: FakeXApp): Answer {
    const code = this.codes.get(form.code ?? '');
    if (!code || code.expiresAt <= Date.now() || code.grant.clientId !== app.clientId)
      return oauthError('invalid_request', 'Value passed for the authorization code was invalid.');
    this.codes.delete(form.code ?? '');
    if (form.redirect_uri !== code.redirectUri)
      return oauthError(
        'invalid_request',
        'Value passed for the redirect uri did not match the uri of the authorization code.',
      );
    const verifier = form.code_verifier ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge)
      return oauthError(
        'invalid_request',
        'Value passed for the code verifier did not match the code challenge.',
      );
    const grant: Grant = { ...code.grant, id: this.nextGrant++, revoked: false };
    return this.tokenAnswer(grant, this.newTokens(grant));
  }

  private tokenAnswer(grant: Grant, t: { accessToken: string; refreshToken: string }): Answer {
    const body: Record<string, unknown> = {
      token_type: 'bearer',
      expires_in: this.accessTokenTtlSec,
      access_token: t.accessToken,
      scope: grant.scopes.join(' '),
    };
    if (grant.scopes.includes('offline.access')) body.refresh_token = t.refreshToken;
    return { status: 200, body };
  }

  /** What x.com shows before the person approves; errors are shown on the page, as X does, never redirected. */
  private consentPage(q: URLSearchParams): Answer {
    const problem = this.checkAuthorize(q);
    if (problem) return { status: 400, body: `<p>${problem}</p>`, contentType: 'text/html' };
    if (!this.signedIn) return { status: 200, body: '<p>Sign in to X</p>', contentType: 'text/html' };
    const hidden = [...q].map(
      ([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/"/g, '&quot;')}">`,
    );
    const body = `<form method="post" action="/i/oauth2/authorize">${hidden.join('')}<p>${this.app(q.get('client_id') ?? '')?.clientId} wants to access your account (${q.get('scope')})</p><button id="allow" type="submit">Authorize app</button></form>`;
    return { status: 200, body, contentType: 'text/html' };
  }

  private checkAuthorize(q: URLSearchParams): string | null {
    const app = this.app(q.get('client_id') ?? undefined);
    if (!app) return 'Something went wrong: client_id';
    if (q.get('response_type') !== 'code') return 'Something went wrong: response_type';
    if (!app.callbackUrls?.includes(q.get('redirect_uri') ?? ''))
      return 'Something went wrong: redirect_uri is not registered';
    if (!q.get('state')) return 'Something went wrong: state';
    if (!q.get('code_challenge') || q.get('code_challenge_method')?.toLowerCase() !== 's256')
      return 'Something went wrong: code_challenge';
    if (!q.get('scope')) return 'Something went wrong: scope';
    return null;
  }

  private approve(form: Record<string, string>): Answer {
    const q = new URLSearchParams(form);
    const problem = this.checkAuthorize(q);
    if (problem || !this.signedIn)
      return { status: 400, body: `<p>${problem ?? 'not signed in'}</p>`, contentType: 'text/html' };
    const code = token();
    this.codes.set(code, {
      grant: {
        user: this.signedIn,
        clientId: form.client_id ?? '',
        scopes: (form.scope ?? '').split(' ').filter(Boolean),
      },
      redirectUri: form.redirect_uri ?? '',
      challenge: form.code_challenge ?? '',
      // X's authorization codes are valid for 30 seconds.
      expiresAt: Date.now() + 30_000,
    });
    const target = new URL(form.redirect_uri ?? '');
    target.searchParams.set('state', form.state ?? '');
    target.searchParams.set('code', code);
    return { status: 302, body: '', headers: { location: target.toString() } };
  }

  private requestToken(p: Record<string, string>): Answer {
    const app = this.apps.find((a) => a.consumerKey && a.consumerKey === p.oauth_consumer_key);
    if (!app)
      return { status: 401, body: { errors: [{ code: 32, message: 'Could not authenticate you.' }] } };
    if (p.oauth_callback !== 'oob' && !app.callbackUrls?.includes(p.oauth_callback ?? ''))
      return {
        status: 403,
        body: '<?xml version="1.0"?><errors><error code="415">Callback URL not approved for this client application.</error></errors>',
        contentType: 'application/xml',
      };
    const t = token(16);
    const secret = token(16);
    this.requestTokens.set(t, { secret, consumerKey: app.consumerKey ?? '', pin: '' });
    return {
      status: 200,
      body: new URLSearchParams({
        oauth_token: t,
        oauth_token_secret: secret,
        oauth_callback_confirmed: 'true',
      }).toString(),
      contentType: 'text/html; charset=utf-8',
    };
  }

  /** The page that shows the PIN to the signed-in person (the "oob" flow). */
  private pinPage(q: URLSearchParams): Answer {
    const r = this.requestTokens.get(q.get('oauth_token') ?? '');
    if (!r) return { status: 400, body: '<p>This page is no longer valid.</p>', contentType: 'text/html' };
    if (!this.signedIn) return { status: 200, body: '<p>Sign in to X</p>', contentType: 'text/html' };
    r.pin = String(1_000_000 + (randomBytes(3).readUIntBE(0, 3) % 9_000_000)).slice(0, 7);
    return {
      status: 200,
      body: `<p>Enter this PIN: <code id="oauth_pin">${r.pin}</code></p>`,
      contentType: 'text/html',
    };
  }

  private accessToken(p: Record<string, string>, form: Record<string, string>): Answer {
    const t = p.oauth_token ?? form.oauth_token ?? '';
    const r = this.requestTokens.get(t);
    const verifier = p.oauth_verifier ?? form.oauth_verifier;
    if (!r || r.consumerKey !== p.oauth_consumer_key || !r.pin || verifier !== r.pin || !this.signedIn)
      return { status: 401, body: 'Request token missing or invalid', contentType: 'text/plain' };
    this.requestTokens.delete(t);
    const user = this.signedIn;
    // OAuth 1.0a user tokens: `<user id>-<random>`, as X issues them; they do not expire.
    const accessToken = `${user.id}-${token(16)}`;
    this.users[accessToken] = user;
    return {
      status: 200,
      body: new URLSearchParams({
        oauth_token: accessToken,
        oauth_token_secret: token(16),
        user_id: user.id,
        screen_name: user.username,
      }).toString(),
      contentType: 'text/html; charset=utf-8',
    };
  }
}
