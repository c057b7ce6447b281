import { join } from 'node:path';
import { fastifyTrustProxy } from '@agent-ops/contracts/env';
import { CoordinatorClient } from '@agent-ops/coordinator/client';
import { createLogger, type Logger } from '@agent-ops/runtime/logger';
import { connectRedisServer } from '@agent-ops/runtime/redis-connection';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import secureSession from '@fastify/secure-session';
import staticFiles from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { registerActionRoutes } from './action-routes.ts';
import { registerApprovalRoutes } from './approval-routes.ts';
import type { DashboardConfig } from './config.ts';
import { errorHandler } from './http-errors.ts';
import { registerLiveRoutes } from './live-routes.ts';
import { registerLoginRoutes } from './login-routes.ts';
import { operatorsOf } from './operators.ts';
import { Pages } from './pages.ts';
import { registerSecurity } from './security.ts';
import { SESSION_COOKIE, SessionGuard } from './session-guard.ts';
import { sessionKey } from './sessions.ts';
import { SnapshotReader } from './snapshot.ts';
import { SseHub } from './sse-hub.ts';

const PUBLIC = join(import.meta.dirname, '..', 'public');

/** The "what's live" page: reads Redis (read-only), acts only through the coordinator's API. */
export class Dashboard {
  readonly app: FastifyInstance;
  readonly redis: Redis;
  readonly reader: SnapshotReader;
  private readonly config: DashboardConfig;
  private readonly log: Logger;
  private readonly hub: SseHub;
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
    this.hub = new SseHub(this.reader, config.refreshMs, log);
    this.app = this.build();
  }

  private build(): FastifyInstance {
    const { config } = this;
    const app = Fastify({
      logger: false,
      bodyLimit: 64 * 1024,
      trustProxy: fastifyTrustProxy(config.trustProxy),
    });
    registerSecurity(app);
    app.register(cookie);
    const { key, persistent } = sessionKey(config.sessionKey);
    if (!persistent) this.log.warn('DASHBOARD_SESSION_KEY is not set: a restart logs everyone out');
    app.register(secureSession, {
      key,
      cookieName: SESSION_COOKIE,
      expiry: Math.ceil(config.sessionHours * 3600),
      cookie: { path: '/', httpOnly: true, sameSite: 'strict' },
    });
    app.register(formbody, { bodyLimit: 4096 });
    // Counts only what a route asks it to (wrong login tokens); no route is limited by default.
    app.register(rateLimit, { global: false });
    app.register(staticFiles, {
      root: PUBLIC,
      index: false,
      // Revalidated on every load (ETag), so a deploy is seen at once.
      cacheControl: false,
      setHeaders: (reply) => reply.header('cache-control', 'no-cache'),
    });
    app.setErrorHandler(errorHandler(this.log));
    app.register(async (routes) => {
      const operators = operatorsOf(config);
      const guard = new SessionGuard(operators, config);
      // One coordinator client per person: each acts with their own operator token, so the audit names them.
      const coordinators = new Map(
        operators.map((o) => [
          o.name,
          new CoordinatorClient({ url: config.coordinatorUrl, token: o.operatorToken }),
        ]),
      );
      const pages = new Pages();
      routes.get('/healthz', async () => ({ ok: true }));
      routes.get('/', async (req, reply) => {
        const s = guard.session(req);
        if (!s) return reply.redirect('/login', 303);
        return reply.type('text/html; charset=utf-8').send(pages.appPage(s.csrf, s.operator));
      });
      registerLoginRoutes(routes, { guard, pages, operators });
      registerApprovalRoutes(routes, {
        guard,
        pages,
        redis: this.redis,
        prefix: config.prefix,
        linkKey: config.linkKey,
      });
      registerLiveRoutes(routes, { guard, reader: this.reader, hub: this.hub });
      registerActionRoutes(routes, {
        guard,
        coordinatorFor: (operator) => {
          const c = coordinators.get(operator);
          if (!c) throw new Error(`no coordinator client for ${operator}`);
          return c;
        },
        refresh: () => this.hub.poke(),
      });
    });
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
