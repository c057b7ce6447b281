import { safeEqual } from '@agent-ops/contracts/safe-equal';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.ts';
import type { Operator } from './operators.ts';
import { newSessionData, type Session } from './sessions.ts';

export const SESSION_COOKIE = 'ops_dashboard';
const CSRF_HEADER = 'x-csrf-token';

/**
 * Who is logged in, and whether a request may act: a session, its CSRF token, the same origin.
 * The session lives in the cookie itself, encrypted and authenticated (@fastify/secure-session),
 * so it survives a dashboard restart and names the person whose operator token acts.
 */
export class SessionGuard {
  private readonly secureCookie: boolean;
  private readonly ttlMs: number;
  private readonly operators: ReadonlyMap<string, Operator>;
  private readonly identity: { header: string; byLogin: ReadonlyMap<string, Operator> } | null;

  constructor(
    operators: readonly Operator[],
    options: { secureCookie: boolean; sessionHours: number; identityHeader?: string | undefined },
  ) {
    this.secureCookie = options.secureCookie;
    this.ttlMs = options.sessionHours * 3_600_000;
    this.operators = new Map(operators.map((o) => [o.name, o]));
    this.identity = options.identityHeader
      ? {
          header: options.identityHeader.toLowerCase(),
          byLogin: new Map(operators.filter((o) => o.login).map((o) => [o.login as string, o])),
        }
      : null;
  }

  operator(name: string): Operator | undefined {
    return this.operators.get(name);
  }

  /**
   * The request's session: the cookie's, while it lasts and names a configured operator; else,
   * with identityHeader on (only allowed behind a trusted proxy), a new one for the person the
   * proxy names. The config refuses identityHeader without trustProxy, and the header only
   * counts on a request that came through a trusted proxy (Fastify's `ips` lists the hops).
   */
  session(req: FastifyRequest): Session | null {
    const op = req.session.get('op');
    const csrf = req.session.get('csrf');
    const exp = req.session.get('exp');
    if (op && csrf && exp && exp > Date.now() && this.operators.has(op))
      return { operator: op, csrf, expiresAt: exp };
    const viaProxy = (req.ips?.length ?? 0) > 1;
    const login = this.identity && viaProxy ? req.headers[this.identity.header] : undefined;
    const person = typeof login === 'string' ? this.identity?.byLogin.get(login) : undefined;
    return person ? this.start(req, person) : null;
  }

  requireSession(req: FastifyRequest): Session {
    const s = this.session(req);
    if (!s) throw new HttpError(401, 'not logged in');
    return s;
  }

  /**
   * Same-origin check in addition to the CSRF token: a browser always sends Origin on a POST.
   * Behind a trusted proxy the page's origin is the proxy's (`https://` and its host), which
   * Fastify's protocol and host give from X-Forwarded-Proto and -Host; from anyone else those
   * headers are ignored, so nobody can claim another origin by sending them.
   */
  sameOrigin(req: FastifyRequest): boolean {
    const origin = req.headers.origin;
    if (!origin) return true;
    return origin === `${req.protocol}://${req.host}`;
  }

  requireAction(req: FastifyRequest): Session {
    const s = this.session(req);
    if (!s) throw new HttpError(401, 'not logged in (or the session expired): log in again');
    const token = req.headers[CSRF_HEADER];
    if (typeof token !== 'string' || !safeEqual(token, s.csrf) || !this.sameOrigin(req))
      throw new HttpError(403, 'refused: missing or wrong CSRF token; reload the page');
    return s;
  }

  /** A new session for `operator` in place of the request's old one (a new CSRF token too). */
  logIn(req: FastifyRequest, operator: Operator): Session {
    return this.start(req, operator);
  }

  private start(req: FastifyRequest, operator: Operator): Session {
    const data = newSessionData(operator.name, this.ttlMs);
    req.session.regenerate();
    req.session.set('op', data.op);
    req.session.set('csrf', data.csrf);
    req.session.set('exp', data.exp);
    req.session.options({
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secureCookie || req.protocol === 'https',
      maxAge: Math.floor(this.ttlMs / 1000),
    });
    return { operator: data.op, csrf: data.csrf, expiresAt: data.exp };
  }

  /** The cookie is cleared; a copy of it kept elsewhere stays valid until it expires (sessionHours). */
  logOut(req: FastifyRequest, _reply: FastifyReply): void {
    req.session.delete();
  }
}
