import { CHANNELS } from '@agent-ops/contracts/channels';
import type { CoordinatorClient } from '@agent-ops/coordinator/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CATALOG } from './catalog.ts';
import type { SessionGuard } from './session-guard.ts';

const { limits } = CATALOG;
const text = (max: number) => z.string().trim().max(max);
const optionalText = (max: number) =>
  text(max)
    .optional()
    .transform((s) => s || undefined);

/** A button that sends no body is the same as an empty form. */
const optionalBody = <T extends z.ZodType>(schema: T) => z.preprocess((v) => v ?? {}, schema);

const KeyParams = z.object({ key: z.string() });
const comment = optionalBody(
  z.strictObject({ channel: z.enum(CHANNELS).optional(), comment: optionalText(limits.comment) }),
);
const reason = optionalBody(
  z.strictObject({ channel: z.enum(CHANNELS).optional(), reason: optionalText(limits.reason) }),
);

type ActionRoute = {
  path: string;
  /** Validates the request and asks the coordinator; says what happened, for a person. */
  perform(coordinator: CoordinatorClient, params: unknown, body: unknown): Promise<string>;
};

function action<P, B>(
  path: string,
  params: z.ZodType<P>,
  body: z.ZodType<B>,
  run: (coordinator: CoordinatorClient, params: P, body: B) => Promise<string>,
): ActionRoute {
  return { path, perform: (c, p, b) => run(c, params.parse(p), body.parse(b)) };
}

/** Every operator action of the page: a POST that the coordinator carries out and audits. */
const ACTIONS: readonly ActionRoute[] = [
  action(
    '/api/gate',
    z.object({}),
    z.strictObject({
      scope: z.enum(['global', ...CHANNELS]),
      enabled: z.boolean(),
      reason: text(limits.gateReason).min(1, { error: 'a reason is required' }),
    }),
    async (c, _p, b) => {
      const r = await c.setGate(b.scope, b.enabled, b.reason);
      const scope = b.scope === 'global' ? 'every channel' : `channel ${b.scope}`;
      if (b.enabled) return `Gate opened for ${scope}.`;
      return r.gate.settled
        ? `Gate closed for ${scope}; no effect is running.`
        : `Gate closed for ${scope}; ${r.gate.inFlight} effect(s) still finishing.`;
    },
  ),
  action('/api/intents/:key/approve', KeyParams, comment, async (c, p, b) => {
    await c.approve(p.key, b.comment);
    return `Approved ${p.key}.`;
  }),
  action('/api/intents/:key/reject', KeyParams, comment, async (c, p, b) => {
    await c.reject(p.key, b.comment);
    return `Rejected ${p.key}.`;
  }),
  action('/api/intents/:key/cancel', KeyParams, reason, async (c, p, b) => {
    await c.cancel(p.key, b.reason);
    return `Cancelled ${p.key}.`;
  }),
  action('/api/intents/:key/replay', KeyParams, reason, async (c, p, b) => {
    await c.replay(p.key, b.reason);
    return `Replaying ${p.key}.`;
  }),
  action(
    '/api/intents/:key/resolve',
    KeyParams,
    z.discriminatedUnion('outcome', [
      z.strictObject({
        outcome: z.literal('done'),
        externalId: text(limits.externalId).min(1, { error: 'the id of the item you found is required' }),
        url: z.union([z.url({ protocol: /^https?$/ }), z.literal('')]).optional(),
        note: optionalText(limits.reason),
      }),
      z.strictObject({ outcome: z.literal('retry'), note: optionalText(limits.reason) }),
    ]),
    async (c, p, b) => {
      if (b.outcome === 'retry') {
        await c.resolve(p.key, { outcome: 'retry', note: b.note ?? null });
        return `Retrying ${p.key}.`;
      }
      await c.resolve(p.key, {
        outcome: 'done',
        externalId: b.externalId,
        url: b.url || null,
        note: b.note ?? null,
      });
      return `Marked ${p.key} done.`;
    },
  ),
  action(
    '/api/deadletter/:channel/:id/replay',
    z.object({ channel: z.enum(CHANNELS), id: z.string().regex(/^\d+-\d+$/) }),
    reason,
    async (c, p, b) => {
      const r = await c.replayDeadletter(p.channel, p.id, b.reason);
      return `Replaying ${r.record.idempotencyKey}.`;
    },
  ),
];

/** Each action checks the session and CSRF token first, acts as that person, then refreshes every open page. */
export function registerActionRoutes(
  app: FastifyInstance,
  deps: { guard: SessionGuard; coordinatorFor: (operator: string) => CoordinatorClient; refresh: () => void },
): void {
  for (const a of ACTIONS) {
    app.post(a.path, async (req) => {
      const session = deps.guard.requireAction(req);
      // The logged-in person's own operator token: the coordinator audits the action under their name.
      const message = await a.perform(deps.coordinatorFor(session.operator), req.params, req.body);
      deps.refresh();
      return { ok: true, message };
    });
  }
}
