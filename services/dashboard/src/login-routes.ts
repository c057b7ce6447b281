import type { FastifyInstance } from 'fastify';
import { safeNext } from './approval-routes.ts';
import { type Operator, operatorByToken } from './operators.ts';
import { LOGIN_ERRORS, type LoginError, type Pages } from './pages.ts';
import type { SessionGuard } from './session-guard.ts';

/** Wrong tokens a client address may send in a minute before it is refused for the rest of the minute. */
const WRONG_TOKENS_PER_MINUTE = 10;

function firstString(v: unknown): string | undefined {
  if (typeof v === 'string') return v || undefined;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0] || undefined;
  return undefined;
}

function loginError(value: unknown): LoginError | undefined {
  return typeof value === 'string' && Object.hasOwn(LOGIN_ERRORS, value) ? (value as LoginError) : undefined;
}

/** Log in with one's own token (a form post, so it works before any script runs) and log out. */
export function registerLoginRoutes(
  app: FastifyInstance,
  deps: { guard: SessionGuard; pages: Pages; operators: readonly Operator[] },
): void {
  const { guard, pages } = deps;
  // Only wrong tokens count: each is recorded after the check, and a login first only looks.
  const wrongTokens = app.createRateLimit({ max: WRONG_TOKENS_PER_MINUTE, timeWindow: 60_000 });

  app.get('/login', async (req, reply) => {
    const query = req.query as { error?: unknown; next?: unknown };
    const next = safeNext(query.next);
    if (guard.session(req)) return reply.redirect(next ?? '/', 303);
    return reply.type('text/html; charset=utf-8').send(pages.loginPage(loginError(query.error), next));
  });

  app.post('/login', async (req, reply) => {
    if (!guard.sameOrigin(req))
      return reply.status(403).send({ ok: false, message: 'cross-origin login refused' });
    const peek = await wrongTokens(req, { increment: false });
    if (!peek.isAllowed && peek.remaining === 0) return reply.redirect('/login?error=throttled', 303);
    const body = req.body as Record<string, unknown> | undefined;
    const token = firstString(body?.token) ?? '';
    const next = safeNext(firstString(body?.next));
    const again = next ? `&next=${encodeURIComponent(next)}` : '';
    const operator = operatorByToken(deps.operators, token);
    if (!operator) {
      await wrongTokens(req);
      return reply.redirect(`/login?error=token${again}`, 303);
    }
    guard.logIn(req, operator);
    // Back to the approval link that sent the person here: one tap from there approves.
    return reply.redirect(next ?? '/', 303);
  });

  app.post('/logout', async (req, reply) => {
    guard.requireAction(req);
    guard.logOut(req, reply);
    return { ok: true, message: 'logged out' };
  });
}
