import { CHANNELS } from '@agent-ops/contracts/channels';
import { fastifyTrustProxy } from '@agent-ops/contracts/env';
import { toFieldIssues } from '@agent-ops/contracts/field-issues';
import { INTENT_STATES } from '@agent-ops/contracts/intent-record';
import { channelKeys } from '@agent-ops/contracts/keys';
import { safeEqual } from '@agent-ops/contracts/safe-equal';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Role } from './config.ts';
import type { CoordinatorContext } from './context.ts';
import { CoordinatorError } from './coordinator-errors.ts';
import { approve, cancel, reject } from './decisions.ts';
import { doctor } from './doctor.ts';
import { getRecord, submit, withLiveState } from './intake.ts';
import { changeGate, listDeadletter, replayDeadletter, replayKey, resolveDone } from './operator-actions.ts';

type Caller = { name: string; role: Role };

const channel = z.enum(CHANNELS).optional();
const comment = z.strictObject({ comment: z.string().max(2000).nullable().optional() });
const reason = z.strictObject({ reason: z.string().max(2000).nullable().optional() });
const schemas = {
  list: z.strictObject({
    channel,
    state: z.enum(INTENT_STATES).optional(),
    account: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  }),
  keyQuery: z.strictObject({ channel }),
  gate: z.strictObject({
    scope: z.enum(['global', ...CHANNELS]),
    enabled: z.boolean(),
    reason: z.string().min(1, { error: 'a reason is required' }).max(2000),
  }),
  resolve: z.discriminatedUnion('outcome', [
    z.strictObject({
      outcome: z.literal('done'),
      externalId: z.string().min(1).max(1000),
      url: z.url().nullable().optional(),
      note: z.string().max(2000).nullable().optional(),
    }),
    z.strictObject({ outcome: z.literal('retry'), note: z.string().max(2000).nullable().optional() }),
  ]),
  deadletter: z.strictObject({
    channel: z.enum(CHANNELS),
    count: z.coerce.number().int().min(1).max(500).default(50),
  }),
  count: z.strictObject({ count: z.coerce.number().int().min(1).max(1000).default(100) }),
};

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const issues = toFieldIssues(result.error);
    throw new CoordinatorError(
      400,
      'invalid',
      `invalid ${where}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return result.data;
}

/**
 * The coordinator's HTTP API. Bearer tokens carry a role: producers submit, read and
 * cancel their own pending work; operators also approve, reject, gate, replay and resolve.
 */
export function buildHttpApi(ctx: CoordinatorContext): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: 2 * 1024 * 1024,
    trustProxy: fastifyTrustProxy(ctx.config.trustProxy),
  });

  const caller = (req: FastifyRequest, need: Role): Caller => {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    const found = token ? ctx.config.tokens.find((t) => safeEqual(t.token, token)) : undefined;
    if (!found)
      throw new CoordinatorError(
        401,
        'unauthorized',
        'a valid bearer token is required (Authorization: Bearer <token>)',
      );
    if (need === 'operator' && found.role !== 'operator') {
      throw new CoordinatorError(
        403,
        'forbidden',
        `${found.name} is a ${found.role}; this action needs an operator token`,
      );
    }
    return { name: found.name, role: found.role };
  };

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof CoordinatorError) {
      return reply
        .status(err.status)
        .send({ error: { code: err.code, message: err.message, issues: err.issues } });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status < 500) {
      return reply.status(status).send({ error: { code: 'bad_request', message: (err as Error).message } });
    }
    ctx.log.error({ err }, 'request failed');
    return reply
      .status(500)
      .send({ error: { code: 'internal', message: 'the coordinator failed; see its log' } });
  });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const ok = await ctx.redis.ping().then(
      (p) => p === 'PONG',
      () => false,
    );
    return reply.status(ok ? 200 : 503).send({ ok });
  });
  // Counts only, nothing about any intent's content: scrapeable without a token.
  app.get('/metrics', async (_req, reply) => {
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });

  app.post('/v1/intents', async (req, reply) => {
    const who = caller(req, 'producer');
    const result = await submit(ctx, req.body, who.name);
    return reply.status(result.created ? 201 : 200).send(result);
  });
  app.get('/v1/intents', async (req) => {
    caller(req, 'producer');
    const q = parse(schemas.list, req.query, 'query');
    const records = await ctx.store.list(q);
    return { records: await Promise.all(records.map((r) => withLiveState(ctx, r))) };
  });
  app.get<{ Params: { key: string } }>('/v1/intents/:key', async (req) => {
    caller(req, 'producer');
    const q = parse(schemas.keyQuery, req.query, 'query');
    return { record: await getRecord(ctx, req.params.key, q.channel) };
  });
  app.post<{ Params: { key: string } }>('/v1/intents/:key/cancel', async (req) => {
    const who = caller(req, 'producer');
    const body = parse(reason, req.body, 'body');
    return { record: await cancel(ctx, req.params.key, who.name, body.reason ?? null) };
  });
  app.get('/v1/approvals', async (req) => {
    caller(req, 'producer');
    return { records: await ctx.store.list({ state: 'pending_approval', limit: 200 }) };
  });
  app.post<{ Params: { key: string } }>('/v1/intents/:key/approve', async (req) => {
    const who = caller(req, 'operator');
    const body = parse(comment, req.body, 'body');
    return { record: await approve(ctx, req.params.key, who.name, body.comment ?? null) };
  });
  app.post<{ Params: { key: string } }>('/v1/intents/:key/reject', async (req) => {
    const who = caller(req, 'operator');
    const body = parse(comment, req.body, 'body');
    return { record: await reject(ctx, req.params.key, who.name, body.comment ?? null) };
  });
  app.post<{ Params: { key: string } }>('/v1/intents/:key/replay', async (req) => {
    const who = caller(req, 'operator');
    const body = parse(reason, req.body, 'body');
    return { record: await replayKey(ctx, req.params.key, who.name, body.reason ?? null) };
  });
  app.post<{ Params: { key: string } }>('/v1/intents/:key/resolve', async (req) => {
    const who = caller(req, 'operator');
    const body = parse(schemas.resolve, req.body, 'body');
    if (body.outcome === 'retry')
      return { record: await replayKey(ctx, req.params.key, who.name, body.note ?? null) };
    return {
      record: await resolveDone(ctx, req.params.key, who.name, {
        externalId: body.externalId,
        url: body.url ?? null,
        note: body.note ?? null,
      }),
    };
  });
  app.get('/v1/gate', async (req) => {
    caller(req, 'producer');
    const gates = await Promise.all(
      CHANNELS.map(async (c) => {
        const g = await ctx.redis.hgetall(channelKeys(ctx.config.prefix, c).gate);
        return {
          channel: c,
          global: g.global !== '0',
          channelOpen: g.channel !== '0',
          record: g['channel:record'] ? JSON.parse(g['channel:record']) : null,
          globalRecord: g['global:record'] ? JSON.parse(g['global:record']) : null,
        };
      }),
    );
    return { gates };
  });
  app.post('/v1/gate', async (req) => {
    const who = caller(req, 'operator');
    const body = parse(schemas.gate, req.body, 'body');
    return { gate: await changeGate(ctx, body.scope, body.enabled, who.name, body.reason) };
  });
  app.get('/v1/deadletter', async (req) => {
    caller(req, 'operator');
    const q = parse(schemas.deadletter, req.query, 'query');
    return { entries: await listDeadletter(ctx, q.channel, q.count) };
  });
  app.post<{ Params: { channel: string; id: string } }>('/v1/deadletter/:channel/:id/replay', async (req) => {
    const who = caller(req, 'operator');
    const c = parse(z.enum(CHANNELS), req.params.channel, 'channel');
    const body = parse(reason, req.body, 'body');
    return { record: await replayDeadletter(ctx, c, req.params.id, who.name, body.reason ?? null) };
  });
  app.get('/v1/receipts', async (req) => {
    caller(req, 'producer');
    const q = parse(
      z.strictObject({
        channel: z.enum(CHANNELS),
        after: z
          .string()
          .regex(/^\d+-\d+$/)
          .default('0-0'),
        count: z.coerce.number().int().min(1).max(500).default(100),
      }),
      req.query,
      'query',
    );
    const entries = await ctx.redis.xrange(
      channelKeys(ctx.config.prefix, q.channel).receipts,
      `(${q.after}`,
      '+',
      'COUNT',
      q.count,
    );
    return {
      receipts: entries.map(([id, fields]) => ({ id, receipt: JSON.parse(fields[1] as string) as unknown })),
    };
  });
  app.get('/v1/audit', async (req) => {
    caller(req, 'operator');
    const q = parse(schemas.count, req.query, 'query');
    return { entries: await ctx.audit.recent(q.count) };
  });
  app.get('/v1/doctor', async (req) => {
    caller(req, 'operator');
    return { checks: await doctor(ctx) };
  });
  return app;
}
