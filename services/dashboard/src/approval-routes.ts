import { verifyApprovalRef } from '@agent-ops/coordinator/alerts/approval-link';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { HttpError } from './http-errors.ts';
import type { Pages } from './pages.ts';
import { readRecord } from './readers/records.ts';
import type { SessionGuard } from './session-guard.ts';
import type { ApprovalView } from './views.ts';

const REF = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Where a login may send a person back to: an approval link's path, nothing else (no open redirect). */
export function safeNext(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^\/approve\/([^/?#]+)$/.exec(value);
  return m?.[1] && REF.test(m[1]) ? value : null;
}

/**
 * An alert's link, `/approve/<ref>`: a login first (and back here after it), then the one
 * intent the signed ref names, with its approve and reject buttons. GET never changes anything;
 * approving is the page's POST to /api/intents/:key/approve, with the session's CSRF token.
 */
export function registerApprovalRoutes(
  app: FastifyInstance,
  deps: { guard: SessionGuard; pages: Pages; redis: Redis; prefix: string; linkKey: string | undefined },
): void {
  const { guard, pages } = deps;
  const verify = (ref: string) => {
    if (!deps.linkKey)
      throw new HttpError(404, 'approval links are off here (DASHBOARD_LINK_KEY is not set)');
    const v = verifyApprovalRef(deps.linkKey, ref);
    if (v.ok) return v.ref;
    throw new HttpError(
      v.reason === 'expired' ? 410 : 404,
      v.reason === 'expired'
        ? 'this approval link has expired; open the dashboard to see what waits'
        : 'this approval link is not valid',
    );
  };

  app.get<{ Params: { ref: string } }>('/approve/:ref', async (req, reply) => {
    const s = guard.session(req);
    if (!s) return reply.redirect(`/login?next=${encodeURIComponent(`/approve/${req.params.ref}`)}`, 303);
    verify(req.params.ref);
    return reply.type('text/html; charset=utf-8').send(pages.approvePage(s.csrf, req.params.ref));
  });

  app.get<{ Params: { ref: string } }>('/api/approval/:ref', async (req): Promise<ApprovalView> => {
    guard.requireSession(req);
    const ref = verify(req.params.ref);
    return {
      record: await readRecord(deps.redis, deps.prefix, ref.channel, ref.key),
      expiresAt: ref.expiresAt,
    };
  });
}
