import { createPublicKey, type KeyObject } from 'node:crypto';
import { hostname } from 'node:os';
import { fieldsToRecord } from '@agent-ops/contracts/codec';
import { channelKeys, EXECUTORS_GROUP } from '@agent-ops/contracts/keys';
import { ReplyError } from 'ioredis';
import { AccountChecker } from './account-checker.ts';
import { AccountHealthBoard } from './account-health.ts';
import type { ChannelAdapter } from './adapter.ts';
import { Breakers } from './breakers.ts';
import { Later } from './later.ts';
import { Ledger } from './ledger.ts';
import { LocalGate } from './local-gate.ts';
import { createLogger, type Logger } from './logger.ts';
import { MetricsRelay } from './metrics-sink.ts';
import { compileOptions, type ExecutorOptions, type ExecutorOptionsInput } from './options.ts';
import { type Disposition, IntentProcessor, type StreamMessage } from './processor.ts';
import { RateLimits } from './rate-limits.ts';
import { Reclaimer } from './reclaimer.ts';
import { connectRedis, type RedisClient } from './redis-connection.ts';

export type ExecutorState = 'created' | 'starting' | 'running' | 'closing' | 'closed';

type XReadReply = Array<[string, Array<[string, string[]]>]> | null;

/**
 * A channel executor: reads its consumer group, runs each intent through the processor
 * with bounded concurrency, holds work while the gate is closed, and takes over what dead
 * consumers left. Signal handling belongs to the process entry, not here.
 */
/** How often a live executor renews its entry in the channel's `consumers` hash. */
export const HEARTBEAT_MS = 5000;

export class Executor {
  readonly options: ExecutorOptions;
  private stateValue: ExecutorState = 'created';
  private readonly redis: RedisClient;
  private readonly reader: RedisClient;
  private readonly log: Logger;
  private readonly ledger: Ledger;
  private readonly later: Later;
  private readonly breakers: Breakers;
  private readonly localGate: LocalGate;
  private readonly processor: IntentProcessor;
  private readonly reclaimer: Reclaimer;
  private readonly health: AccountHealthBoard;
  private readonly checker: AccountChecker;
  private readonly inFlight = new Map<string, Promise<void>>();
  private held: StreamMessage[] = [];
  private readonly adapter: ChannelAdapter;
  private readLoop: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private closing: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  readonly metrics = new MetricsRelay();
  private metricsServer: { url: string; close: () => Promise<void> } | undefined;

  constructor(adapter: ChannelAdapter, input: ExecutorOptionsInput & { redisUrl: string }, log?: Logger) {
    const { redisUrl, ...rest } = input;
    this.adapter = adapter;
    this.options = compileOptions(rest);
    const o = this.options;
    this.log = (log ?? createLogger(`${o.channel}-executor`)).child({ consumer: o.consumer });
    this.redis = connectRedis(redisUrl, { maxRetriesPerRequest: 2, enableAutoPipelining: o.autoPipelining });
    this.reader = connectRedis(redisUrl, { maxRetriesPerRequest: null });
    for (const client of [this.redis, this.reader])
      client.on('error', (err) => this.log.warn({ err }, 'redis error'));
    const keys = channelKeys(o.prefix, o.channel);
    this.ledger = new Ledger(this.redis, keys);
    this.later = new Later(redisUrl, keys, this.log);
    this.breakers = new Breakers(this.redis, keys, o, this.log, (account, state) =>
      this.metrics.breakerState(account, state),
    );
    this.localGate = new LocalGate(o.localGateFile, this.log, o.gatePollMs);
    this.health = new AccountHealthBoard(this.redis, keys, o.consumer, this.log);
    this.checker = new AccountChecker(adapter, this.health, o, this.log);
    this.processor = new IntentProcessor({
      ledger: this.ledger,
      adapter,
      options: o,
      limits: new RateLimits(this.redis, keys, o),
      breakers: this.breakers,
      later: this.later,
      localGate: this.localGate,
      approvalKeys: parseApprovalKeys(o.approvalKeys),
      metrics: this.metrics,
      health: this.health,
      log: this.log,
    });
    this.reclaimer = new Reclaimer({
      redis: this.redis,
      intents: keys.intents,
      group: EXECUTORS_GROUP,
      consumer: o.consumer,
      minIdleMs: o.leaseTtlMs,
      deadConsumerIdleMs: o.deadConsumerIdleMs,
      capacity: () => this.capacity(),
      isLocal: (id) => this.inFlight.has(id) || this.held.some((m) => m.id === id),
      dispatch: (msg) => this.dispatch(msg),
      log: this.log,
    });
  }

  get state(): ExecutorState {
    return this.stateValue;
  }

  async start(): Promise<void> {
    if (this.stateValue !== 'created') throw new Error(`cannot start an executor that is ${this.stateValue}`);
    this.stateValue = 'starting';
    const { intents } = this.ledger.keys;
    await this.createGroup(intents);
    if (this.options.metricsPort !== null) {
      const { ExecutorMetrics, startMetricsServer } = await import('./metrics.ts');
      const accounts = new Set([
        ...Object.keys(this.options.accounts),
        ...(this.adapter.accountNames?.() ?? []),
      ]);
      const metrics = new ExecutorMetrics(this.options.channel, () => this.streamStats(), [...accounts]);
      this.metrics.target = metrics;
      this.metricsServer = await startMetricsServer(this.options.metricsPort, metrics.registry, async () =>
        this.ready(),
      );
    }
    this.localGate.start();
    // Before the first read: an account another replica found refused holds its work here too.
    await this.health.refresh();
    this.later.watch(this.options.reclaimIntervalMs, this.redis);
    this.stateValue = 'running';
    this.readLoop = this.runReadLoop();
    this.every(this.options.reclaimIntervalMs, () => this.reclaimer.sweep());
    this.every(this.options.gatePollMs, () => this.retryHeld());
    this.every(this.options.gatePollMs, () => this.health.refresh());
    // Each tick checks only the accounts whose check is due (AccountChecker); the first is now.
    this.every(Math.min(1000, this.options.reauthCheckMs), () => this.checker.tick());
    void this.checker.tick().catch((err: unknown) => this.log.error({ err }, 'account check failed'));
    await this.heartbeat();
    this.every(HEARTBEAT_MS, () => this.heartbeat());
    this.log.info(
      { stream: intents, group: EXECUTORS_GROUP, metrics: this.metricsServer?.url },
      'executor running',
    );
  }

  /** Says this consumer is alive, for `ops doctor` and the dashboard (contracts: `consumers`). */
  private async heartbeat(): Promise<void> {
    const at = Date.now();
    await this.redis.hset(
      this.ledger.keys.consumers,
      this.options.consumer,
      JSON.stringify({ at, host: hostname(), pid: process.pid }),
    );
  }

  /**
   * From 0: intents written before the first executor ever started are carried out too.
   * Redis away at start (a reboot brings both up at once, or Redis is still loading its
   * AOF) is waited out; an answer from Redis other than BUSYGROUP (NOPERM, say) is final.
   */
  private async createGroup(intents: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.redis.xgroup('CREATE', intents, EXECUTORS_GROUP, '0', 'MKSTREAM');
        return;
      } catch (err) {
        const message = String((err as Error).message);
        if (message.includes('BUSYGROUP')) return;
        const unreachable = !(err instanceof ReplyError) || message.startsWith('LOADING');
        if (!unreachable || this.stateValue !== 'starting') throw err;
        if (attempt === 1 || attempt % 10 === 0) this.log.warn({ err, attempt }, 'waiting for Redis');
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
      }
    }
  }

  private every(ms: number, task: () => Promise<unknown>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.stateValue !== 'running') return;
      busy = true;
      task()
        .catch((err: unknown) => this.log.error({ err }, 'background task failed'))
        .finally(() => {
          busy = false;
        });
    }, ms);
    this.timers.push(timer);
  }

  /** The URL of /metrics, /healthz and /readyz, when metricsPort is set. */
  get metricsUrl(): string | undefined {
    return this.metricsServer?.url;
  }

  private async ready(): Promise<boolean> {
    return this.stateValue === 'running' && (await this.redis.ping()) === 'PONG';
  }

  private async streamStats(): Promise<{ length: number; pending: number; lag: number }> {
    const { intents } = this.ledger.keys;
    const [length, groups] = await Promise.all([
      this.redis.xlen(intents),
      this.redis.xinfo('GROUPS', intents) as Promise<unknown[][]>,
    ]);
    const group = groups.map((g) => fieldsToRecord(g.map(String))).find((g) => g.name === EXECUTORS_GROUP);
    return { length, pending: Number(group?.pending ?? 0), lag: Number(group?.lag ?? 0) };
  }

  private capacity(): number {
    return this.options.concurrency - this.inFlight.size;
  }

  private async runReadLoop(): Promise<void> {
    const o = this.options;
    while (this.stateValue === 'running') {
      if (this.capacity() <= 0 || this.held.length > 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, o.gatePollMs).unref();
        });
        continue;
      }
      let reply: XReadReply;
      try {
        reply = (await this.reader.xreadgroup(
          'GROUP',
          EXECUTORS_GROUP,
          o.consumer,
          'COUNT',
          Math.min(o.batchSize, this.capacity()),
          'BLOCK',
          o.blockMs,
          'STREAMS',
          this.ledger.keys.intents,
          '>',
        )) as XReadReply;
      } catch (err) {
        if (this.stateValue !== 'running') return;
        this.log.warn({ err }, 'read failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) this.dispatch({ id, fields });
      }
    }
  }

  private dispatch(msg: StreamMessage): void {
    this.metrics.entryRead();
    const work = this.processor
      .handle(msg)
      .then((disposition: Disposition) => {
        if (disposition === 'held') this.held.push(msg);
      })
      .catch((err: unknown) => {
        // Left pending: the reclaimer offers it again after the lease TTL.
        this.log.error({ err, intentId: msg.id }, 'processing failed; the entry stays pending');
      })
      .finally(() => {
        this.inFlight.delete(msg.id);
        this.metrics.setInFlight(this.inFlight.size);
        this.wake?.();
      });
    this.inFlight.set(msg.id, work);
    this.metrics.setInFlight(this.inFlight.size);
  }

  /** While the gate is closed, held entries wait here; once it opens they go through begin again. */
  private async retryHeld(): Promise<void> {
    if (this.held.length === 0 || !this.localGate.isOpen()) return;
    const gate = await this.redis.hmget(this.ledger.keys.gate, 'global', 'channel');
    if (gate.includes('0')) return;
    const batch = this.held.splice(0, Math.max(0, this.capacity()));
    for (const msg of batch) this.dispatch(msg);
  }

  /** Stops reading, lets effects in flight finish (up to shutdownTimeoutMs), then closes. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (this.stateValue === 'created') {
      this.stateValue = 'closed';
      this.redis.disconnect();
      this.reader.disconnect();
      return;
    }
    this.stateValue = 'closing';
    for (const t of this.timers) clearInterval(t);
    this.reader.disconnect();
    this.wake?.();
    await this.readLoop?.catch(() => {});
    const inFlight = [...this.inFlight.values()];
    const timedOut = await Promise.race([
      Promise.allSettled(inFlight).then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), this.options.shutdownTimeoutMs).unref()),
    ]);
    if (timedOut)
      this.log.warn({ inFlight: this.inFlight.size }, 'shutdown timeout: leases expire and others take over');
    // Held entries stay pending in the group; another consumer (or this one restarted) takes them.
    this.held = [];
    this.localGate.stop();
    this.breakers.shutdown();
    await this.redis.hdel(this.ledger.keys.consumers, this.options.consumer).catch(() => {});
    await Promise.allSettled([this.later.close(), this.adapter.close?.(), this.metricsServer?.close()]);
    this.redis.disconnect();
    this.stateValue = 'closed';
    this.log.info('executor closed');
  }
}

function parseApprovalKeys(pems: Record<string, string>): Map<string, KeyObject> {
  return new Map(Object.entries(pems).map(([id, pem]) => [id, createPublicKey(pem)]));
}
