import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.ts';
import { type Session, type Sessions, sameSecret } from './sessions.ts';

const COOKIE = 'ops_dashboard';
const CSRF_HEADER = 'x-csrf-token';

/** Who is logged in, and whether a request may act: a session, its CSRF token, the same origin. */
export class SessionGuard {
  private readonly sessions: Sessions;
  private readonly secureCookie: boolean;
  private readonly maxAgeSec: number;

  constructor(sessions: Sessions, options: { secureCookie: boolean; sessionHours: number }) {
    this.sessions = sessions;
    this.secureCookie = options.secureCookie;
    this.maxAgeSec = Math.floor(options.sessionHours * 3600);
  }

  session(req: FastifyRequest): Session | null {
    return this.sessions.get(req.cookies[COOKIE]);
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
    if (typeof token !== 'string' || !sameSecret(token, s.csrf) || !this.sameOrigin(req))
      throw new HttpError(403, 'refused: missing or wrong CSRF token; reload the page');
    return s;
  }

  /** A new session in place of the request's old one, in an HttpOnly SameSite=Strict cookie. */
  logIn(req: FastifyRequest, reply: FastifyReply): Session {
    const old = this.session(req);
    if (old) this.sessions.delete(old.id);
    const s = this.sessions.create();
    reply.setCookie(COOKIE, s.id, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secureCookie || req.protocol === 'https',
      maxAge: this.maxAgeSec,
    });
    return s;
  }

  logOut(session: Session, reply: FastifyReply): void {
    this.sessions.delete(session.id);
    reply.clearCookie(COOKIE, { path: '/' });
  }
}
