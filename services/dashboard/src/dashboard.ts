import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { parse as parseQuery } from 'node:querystring';
import { CHANNELS, type Channel } from '@agent-ops/contracts/channels';
import { RECEIPT_STATUSES } from '@agent-ops/contracts/receipt';
import { CoordinatorApiError, CoordinatorClient } from '@agent-ops/coordinator/client';
import { createLogger, type Logger } from '@agent-ops/runtime/logger';
import { connectRedisServer } from '@agent-ops/runtime/redis-connection';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { DashboardConfig } from './config.ts';
import { LoginThrottle, type Session, Sessions, sameSecret } from './sessions.ts';
import { type ReceiptFilter, type ReceiptsView, type Snapshot, SnapshotReader } from './snapshot.ts';

const PUBLIC = join(import.meta.dirname, '..', 'public');
const COOKIE = 'ops_dashboard';
const CSRF_HEADER = 'x-csrf-token';

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

const text = (max: number) => z.string().trim().max(max);
const Bodies = {
  gate: z.strictObject({
    scope: z.enum(['global', ...CHANNELS]),
    enabled: z.boolean(),
    reason: text(2000).min(1, { error: 'a reason is required' }),
  }),
  comment: z.strictObject({ channel: z.enum(CHANNELS).optional(), comment: text(2000).optional() }),
  reason: z.strictObject({ channel: z.enum(CHANNELS).optional(), reason: text(2000).optional() }),
  resolve: z.discriminatedUnion('outcome', [
    z.strictObject({
      outcome: z.literal('done'),
      externalId: text(1000).min(1, { error: 'the id of the item you found is required' }),
      url: z.union([z.url({ protocol: /^https?$/ }), z.literal('')]).optional(),
      note: text(2000).optional(),
    }),
    z.strictObject({ outcome: z.literal('retry'), note: text(2000).optional() }),
  ]),
};
const FilterSchema = z.object({
  channel: z.enum(CHANNELS).optional().catch(undefined),
  account: z.string().max(64).optional().catch(undefined),
  status: z.enum(RECEIPT_STATUSES).optional().catch(undefined),
});

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function firstString(v: unknown): string | undefined {
  if (typeof v === 'string') return v || undefined;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0] || undefined;
  return undefined;
}

type Client = { filter: ReceiptFilter; filterKey: string; raw: ServerResponse; session: Session };

/**
 * Pushes one snapshot per refresh interval to every open page (server-sent events), read
 * once and shared; receipts are read once per distinct filter. Reads only while a page is open.
 */
class Hub {
  private readonly clients = new Set<Client>();
  private readonly reader: SnapshotReader;
  private readonly refreshMs: number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private closed = false;
  last: Snapshot | null = null;

  constructor(reader: SnapshotReader, refreshMs: number, log: Logger) {
    this.reader = reader;
    this.refreshMs = refreshMs;
    this.log = log;
  }

  add(client: Client): void {
    this.clients.add(client);
    this.poke();
  }

  remove(client: Client): void {
    this.clients.delete(client);
  }

  /** Reads and pushes now (after an action), then keeps the interval. */
  poke(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    void this.tick();
  }

  private async tick(): Promise<void> {
    this.running = true;
    try {
      if (this.clients.size > 0) await this.push();
    } finally {
      this.running = false;
      if (!this.closed) {
        if (this.again) {
          this.again = false;
          this.timer = setTimeout(() => void this.tick(), 0);
        } else if (this.clients.size > 0) {
          this.timer = setTimeout(() => void this.tick(), this.refreshMs);
        }
      }
    }
  }

  private async push(): Promise<void> {
    let snapshot: Snapshot;
    const receipts = new Map<string, ReceiptsView>();
    try {
      snapshot = await this.reader.snapshot();
      for (const c of this.clients) {
        if (!receipts.has(c.filterKey)) receipts.set(c.filterKey, await this.reader.receipts(c.filter));
      }
      this.last = snapshot;
    } catch (err) {
      this.log.warn({ err }, 'could not read Redis');
      const error = `cannot read Redis: ${(err as Error).message}`;
      snapshot = this.last
        ? { ...this.last, redis: { ok: false, error } }
        : ({ at: Date.now(), redis: { ok: false, error } } as Snapshot);
    }
    const now = Date.now();
    for (const c of this.clients) {
      if (c.session.expiresAt <= now) {
        c.raw.write('event: logout\ndata: {}\n\n');
        c.raw.end();
        this.clients.delete(c);
        continue;
      }
      const payload = JSON.stringify({ snapshot, receipts: receipts.get(c.filterKey) ?? null });
      c.raw.write(`event: snapshot\ndata: ${payload}\n\n`);
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const c of this.clients) c.raw.end();
    this.clients.clear();
  }
}

/** The "what's live" page: reads Redis (read-only), acts only through the coordinator's API. */
export class Dashboard {
  readonly app: FastifyInstance;
  readonly redis: Redis;
  readonly reader: SnapshotReader;
  private readonly config: DashboardConfig;
  private readonly log: Logger;
  private readonly hub: Hub;
  private readonly sessions: Sessions;
  private readonly throttle = new LoginThrottle();
  private readonly coordinator: CoordinatorClient;
  private readonly files: Record<string, { type: string; body: string }>;
  url = '';

  constructor(config: DashboardConfig, log: Logger = createLogger('dashboard')) {
    this.config = config;
    this.log = log;
    this.redis = connectRedisServer(config.redisUrl, {
      maxRetriesPerRequest: 1,
      // The ready check sends INFO, which a read-only ACL user need not be allowed.
      enableReadyCheck: false,
      connectionName: 'ops-dashboard',
    });
    this.redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
    this.reader = new SnapshotReader(this.redis, config);
    this.hub = new Hub(this.reader, config.refreshMs, log);
    this.sessions = new Sessions(config.sessionHours * 3_600_000);
    this.coordinator = new CoordinatorClient({ url: config.coordinatorUrl, token: config.operatorToken });
    const file = (name: string, type: string) => ({ type, body: readFileSync(join(PUBLIC, name), 'utf8') });
    this.files = {
      '/app.js': file('app.js', 'text/javascript; charset=utf-8'),
      '/app.css': file('app.css', 'text/css; charset=utf-8'),
      '/favicon.svg': file('favicon.svg', 'image/svg+xml'),
    };
    this.app = this.build();
  }

  private secure(req: FastifyRequest): boolean {
    return this.config.secureCookie || req.protocol === 'https';
  }

  private session(req: FastifyRequest): Session | null {
    return this.sessions.get(req.cookies[COOKIE]);
  }

  /** Same-origin check in addition to the CSRF token: a browser always sends Origin on a POST. */
  private sameOrigin(req: FastifyRequest): boolean {
    const origin = req.headers.origin;
    if (!origin) return true;
    return origin === `${req.protocol}://${req.headers.host}`;
  }

  private requireAction(req: FastifyRequest): Session {
    const s = this.session(req);
    if (!s) throw new HttpError(401, 'not logged in (or the session expired): log in again');
    const token = req.headers[CSRF_HEADER];
    if (typeof token !== 'string' || !sameSecret(token, s.csrf) || !this.sameOrigin(req))
      throw new HttpError(403, 'refused: missing or wrong CSRF token; reload the page');
    return s;
  }

  private build(): FastifyInstance {
    const app = Fastify({ logger: false, bodyLimit: 64 * 1024, trustProxy: this.config.trustProxy });
    app.register(cookie);
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 4096 },
      (_req, body, done) => done(null, parseQuery(body as string)),
    );
    app.addHook('onSend', async (_req, reply, payload) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });
    app.setErrorHandler((err, _req, reply) => {
      if (err instanceof HttpError) return reply.status(err.status).send({ ok: false, message: err.message });
      if (err instanceof CoordinatorApiError) {
        const status = err.status === 0 ? 502 : err.status >= 500 ? 502 : err.status;
        return reply.status(status).send({ ok: false, message: err.message, code: err.code });
      }
      if (err instanceof z.ZodError) {
        const message = err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
        return reply.status(400).send({ ok: false, message });
      }
      const status = (err as { statusCode?: number }).statusCode;
      if (status && status < 500)
        return reply.status(status).send({ ok: false, message: (err as Error).message });
      this.log.error({ err }, 'request failed');
      return reply.status(500).send({ ok: false, message: 'the dashboard failed; see its log' });
    });

    app.get('/healthz', async () => ({ ok: true }));
    for (const [path, f] of Object.entries(this.files)) {
      app.get(path, async (_req, reply) =>
        reply.type(f.type).header('cache-control', 'no-cache').send(f.body),
      );
    }

    app.get('/login', async (req, reply) => {
      if (this.session(req)) return reply.redirect('/', 303);
      const q = req.query as { error?: string };
      const message =
        q.error === 'token'
          ? 'That token is not right. It is DASHBOARD_TOKEN (or "token" in DASHBOARD_CONFIG).'
          : q.error === 'throttled'
            ? 'Too many wrong tokens; wait a minute and try again.'
            : '';
      return reply.type('text/html; charset=utf-8').send(loginPage(message));
    });
    app.post('/login', async (req, reply) => {
      const ip = req.ip;
      if (!this.sameOrigin(req))
        return reply.status(403).send({ ok: false, message: 'cross-origin login refused' });
      if (this.throttle.blocked(ip)) return reply.redirect('/login?error=throttled', 303);
      const token = firstString((req.body as Record<string, unknown> | undefined)?.token) ?? '';
      if (!sameSecret(token, this.config.token)) {
        this.throttle.fail(ip);
        return reply.redirect('/login?error=token', 303);
      }
      this.throttle.clear(ip);
      const old = this.session(req);
      if (old) this.sessions.delete(old.id);
      const s = this.sessions.create();
      reply.setCookie(COOKIE, s.id, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: this.secure(req),
        maxAge: Math.floor(this.config.sessionHours * 3600),
      });
      return reply.redirect('/', 303);
    });
    app.post('/logout', async (req, reply) => {
      const s = this.requireAction(req);
      this.sessions.delete(s.id);
      reply.clearCookie(COOKIE, { path: '/' });
      return { ok: true, message: 'logged out' };
    });

    app.get('/', async (req, reply) => {
      const s = this.session(req);
      if (!s) return reply.redirect('/login', 303);
      return reply.type('text/html; charset=utf-8').send(appPage(s.csrf));
    });

    app.get('/api/snapshot', async (req) => {
      if (!this.session(req)) throw new HttpError(401, 'not logged in');
      const filter = FilterSchema.parse(req.query ?? {});
      const [snapshot, receipts] = await Promise.all([this.reader.snapshot(), this.reader.receipts(filter)]);
      return { snapshot, receipts };
    });

    app.get('/events', async (req, reply) => {
      const s = this.session(req);
      if (!s) throw new HttpError(401, 'not logged in');
      const filter = FilterSchema.parse(req.query ?? {});
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 2000\n\n');
      const client: Client = { filter, filterKey: JSON.stringify(filter), raw, session: s };
      const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
      req.raw.on('close', () => {
        clearInterval(keepAlive);
        this.hub.remove(client);
      });
      this.hub.add(client);
    });

    const act = async (req: FastifyRequest, reply: FastifyReply, run: () => Promise<string>) => {
      this.requireAction(req);
      const message = await run();
      this.hub.poke();
      return reply.send({ ok: true, message });
    };
    type KeyParams = { Params: { key: string } };
    app.post('/api/gate', (req, reply) =>
      act(req, reply, async () => {
        const b = Bodies.gate.parse(req.body);
        const r = await this.coordinator.setGate(b.scope, b.enabled, b.reason);
        const scope = b.scope === 'global' ? 'every channel' : `channel ${b.scope}`;
        if (b.enabled) return `Gate opened for ${scope}.`;
        return r.gate.settled
          ? `Gate closed for ${scope}; no effect is running.`
          : `Gate closed for ${scope}; ${r.gate.inFlight} effect(s) still finishing.`;
      }),
    );
    app.post<KeyParams>('/api/intents/:key/approve', (req, reply) =>
      act(req, reply, async () => {
        const b = Bodies.comment.parse(req.body ?? {});
        await this.coordinator.approve(req.params.key, b.comment || undefined);
        return `Approved ${req.params.key}.`;
      }),
    );
    app.post<KeyParams>('/api/intents/:key/reject', (req, reply) =>
      act(req, reply, async () => {
        const b = Bodies.comment.parse(req.body ?? {});
        await this.coordinator.reject(req.params.key, b.comment || undefined);
        return `Rejected ${req.params.key}.`;
      }),
    );
    app.post<KeyParams>('/api/intents/:key/cancel', (req, reply) =>
      act(req, reply, async () => {
        const b = Bodies.reason.parse(req.body ?? {});
        await this.coordinator.cancel(req.params.key, b.reason || undefined);
        return `Cancelled ${req.params.key}.`;
      }),
    );
    app.post<KeyParams>('/api/intents/:key/replay', (req, reply) =>
      act(req, reply, async () => {
        const b = Bodies.reason.parse(req.body ?? {});
        await this.coordinator.replay(req.params.key, b.reason || undefined);
        return `Replaying ${req.params.key}.`;
      }),
    );
    app.post<KeyParams>('/api/intents/:key/resolve', (req, reply) =>
      act(req, reply, async () => {
        const b = Bodies.resolve.parse(req.body);
        if (b.outcome === 'retry') {
          await this.coordinator.resolve(req.params.key, { outcome: 'retry', note: b.note || null });
          return `Retrying ${req.params.key}.`;
        }
        await this.coordinator.resolve(req.params.key, {
          outcome: 'done',
          externalId: b.externalId,
          url: b.url || null,
          note: b.note || null,
        });
        return `Marked ${req.params.key} done.`;
      }),
    );
    app.post<{ Params: { channel: string; id: string } }>(
      '/api/deadletter/:channel/:id/replay',
      (req, reply) =>
        act(req, reply, async () => {
          const channel = z.enum(CHANNELS).parse(req.params.channel) as Channel;
          const id = z
            .string()
            .regex(/^\d+-\d+$/)
            .parse(req.params.id);
          const b = Bodies.reason.parse(req.body ?? {});
          const r = await this.coordinator.replayDeadletter(channel, id, b.reason || undefined);
          return `Replaying ${r.record.idempotencyKey}.`;
        }),
    );
    return app;
  }

  async start(): Promise<string> {
    this.url = await this.app.listen({ host: this.config.host, port: this.config.port });
    this.log.info({ url: this.url, prefix: this.config.prefix }, 'dashboard running');
    return this.url;
  }

  async close(): Promise<void> {
    this.hub.close();
    await this.app.close();
    this.redis.disconnect();
  }
}

function page(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/app.css">
${head}
</head>
${body}
</html>
`;
}

function loginPage(message: string): string {
  return page(
    'agent-ops · log in',
    `<body class="login">
<main class="login-box">
<h1>agent-ops</h1>
<p class="muted">What's live: gate, queues, approvals, receipts.</p>
<form method="post" action="/login">
<label for="token">Dashboard token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit" class="primary">Log in</button>
</form>
${message ? `<p class="error" role="alert">${message}</p>` : ''}
</main>
</body>`,
  );
}

function appPage(csrf: string): string {
  // The token is base64url (no character HTML treats specially); the page's script reads it from here.
  const body = readFileSync(join(PUBLIC, 'index.html'), 'utf8');
  return page(
    "agent-ops · what's live",
    body,
    `<meta name="csrf-token" content="${csrf}">\n<script src="/app.js" defer></script>`,
  );
}
