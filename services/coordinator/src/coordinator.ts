import { hostname } from 'node:os';
import { CHANNELS } from '@agent-ops/contracts/channels';
import { createLogger, type Logger } from '@agent-ops/runtime/logger';
import { connectRedis } from '@agent-ops/runtime/redis-connection';
import type { FastifyInstance } from 'fastify';
import { AgentHook } from './agent-hook/agent-hook.ts';
import { submittingSession } from './agent-hook/submitting-session.ts';
import { Alerts } from './alerts/alerts.ts';
import { ApprovalSigner } from './approval-signer.ts';
import { AuditLog } from './audit-log.ts';
import { Backups } from './backup.ts';
import type { CoordinatorConfig } from './config.ts';
import { type CoordinatorContext, ledgers } from './context.ts';
import { CoordinatorMetrics } from './coordinator-metrics.ts';
import { releaseScheduled } from './decisions.ts';
import { buildHttpApi } from './http-api.ts';
import { Projection } from './projection.ts';
import { RecordStore } from './record-store.ts';
import { Scheduler } from './scheduler.ts';

export type CoordinatorState = 'created' | 'running' | 'closing' | 'closed';

/** The brain: intake, approvals, schedules, state and audit behind one HTTP API. */
export class Coordinator {
  readonly ctx: CoordinatorContext;
  private readonly app: FastifyInstance;
  private readonly projection: Projection;
  private readonly hook: AgentHook | null;
  private readonly backups: Backups | null;
  private readonly alerts: Alerts | null;
  private readonly redisUrl: string;
  private stateValue: CoordinatorState = 'created';
  private closing: Promise<void> | undefined;
  url = '';

  constructor(config: CoordinatorConfig & { redisUrl: string }, log: Logger = createLogger('coordinator')) {
    const redis = connectRedis(config.redisUrl, { maxRetriesPerRequest: 2 });
    redis.on('error', (err) => log.warn({ err }, 'redis error'));
    const signer = config.approval.privateKeyFile
      ? ApprovalSigner.fromFile(config.approval.keyId, config.approval.privateKeyFile)
      : null;
    this.redisUrl = config.redisUrl;
    const metrics = new CoordinatorMetrics(redis, config.prefix);
    this.ctx = {
      config,
      redis,
      store: new RecordStore(redis, config.prefix),
      audit: new AuditLog(redis, config.prefix, config.auditFile, (entry) => metrics.decision(entry.action)),
      metrics,
      scheduler: new Scheduler(config.redisUrl, config.prefix, log),
      signer,
      log,
      ledger: ledgers(redis, config.prefix),
    };
    this.app = buildHttpApi(this.ctx);
    this.hook = config.agentHook
      ? new AgentHook(config.agentHook, config.redisUrl, config.prefix, log, (channel, key) =>
          submittingSession(this.ctx.store, channel, key),
        )
      : null;
    this.backups = config.backup
      ? new Backups(config.redisUrl, redis, config.prefix, config.backup, log)
      : null;
    this.alerts = config.alerts ? new Alerts(this.ctx, config.alerts, config.redisUrl) : null;
    this.projection = new Projection(
      this.ctx,
      `${hostname()}-${process.pid}`,
      async (channel, receipt) => {
        await this.hook?.report(channel, receipt);
      },
      async (channel, receipt) => {
        await this.alerts?.onReceipt(channel, receipt);
      },
    );
  }

  get state(): CoordinatorState {
    return this.stateValue;
  }

  async start(): Promise<void> {
    if (this.stateValue !== 'created')
      throw new Error(`cannot start a coordinator that is ${this.stateValue}`);
    await this.projection.start(this.redisUrl);
    this.ctx.scheduler.start((channel, key) => releaseScheduled(this.ctx, channel, key));
    this.hook?.start();
    await this.backups?.start();
    await this.alerts?.start();
    await this.recoverSchedules();
    this.url = await this.app.listen({ host: this.ctx.config.host, port: this.ctx.config.port });
    this.stateValue = 'running';
    this.ctx.log.info({ url: this.url }, 'coordinator running');
  }

  /** A crash between recording a scheduled intent and adding its job leaves no job: add it (same id, no duplicate). */
  private async recoverSchedules(): Promise<void> {
    for (const channel of CHANNELS) {
      const scheduled = await this.ctx.store.list({ channel, state: 'scheduled', limit: 10_000 });
      for (const r of scheduled) {
        const at = r.intent?.notBefore ? new Date(r.intent.notBefore) : new Date();
        await this.ctx.scheduler.schedule(channel, r.idempotencyKey, at);
      }
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stateValue = 'closing';
      await this.app.close();
      await this.alerts?.close();
      await this.projection.close();
      await this.ctx.scheduler.close();
      await this.hook?.close();
      await this.backups?.close();
      this.ctx.redis.disconnect();
      this.stateValue = 'closed';
    })();
    return this.closing;
  }
}
