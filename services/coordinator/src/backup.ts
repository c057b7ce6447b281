import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CHANNELS } from '@agent-ops/contracts/channels';
import { channelKeys, globalKeys } from '@agent-ops/contracts/keys';
import type { RedisClient } from '@agent-ops/runtime/redis-connection';
import { exportStream } from '@agent-ops/runtime/retention';
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { BullConnections } from './bull-connections.ts';
import type { CoordinatorConfig } from './config.ts';

type BackupConfig = NonNullable<CoordinatorConfig['backup']>;
export type BackupRun = { folder: string; exported: Record<string, number>; removed: string[] };

const QUEUE = 'backup';

/**
 * The scheduled export: a BullMQ job scheduler (one per coordinator prefix, whatever the
 * number of coordinators) runs `runBackup` every `everyHours`. A run that fails is retried
 * by BullMQ; its cursors move only after a stream's file is complete, so a retry writes the
 * same entries again into a new folder rather than skipping any.
 */
export class Backups {
  private readonly connections: BullConnections;
  private queue: Queue | undefined;
  private worker: Worker | undefined;

  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly config: BackupConfig;
  private readonly log: Logger;

  constructor(redisUrl: string, redis: RedisClient, prefix: string, config: BackupConfig, log: Logger) {
    this.connections = new BullConnections(redisUrl, log, 'backup');
    this.redis = redis;
    this.prefix = prefix;
    this.config = config;
    this.log = log;
  }

  async start(): Promise<void> {
    const prefix = globalKeys(this.prefix).backupBullPrefix;
    this.queue = new Queue(QUEUE, { connection: this.connections.open(), prefix });
    await this.queue.upsertJobScheduler(
      'export',
      { every: Math.round(this.config.everyHours * 3_600_000) },
      {
        name: 'export',
        opts: {
          attempts: 5,
          backoff: { type: 'exponential', delay: 60_000 },
          removeOnComplete: 50,
          removeOnFail: 50,
        },
      },
    );
    this.worker = new Worker(QUEUE, () => runBackup(this.redis, this.prefix, this.config), {
      connection: this.connections.open(),
      prefix,
    });
    this.worker.on('completed', (_job, run: BackupRun) => this.log.info(run, 'backup written'));
    this.worker.on('failed', (job, err) => this.log.error({ err, jobId: job?.id }, 'backup failed'));
    this.worker.on('error', (err) => this.log.error({ err }, 'backup worker error'));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
    this.connections.closeAll();
  }
}

/** The streams worth keeping outside Redis: what happened (receipts), what could not, and every decision. */
function backedUpStreams(prefix: string): string[] {
  return [
    ...CHANNELS.flatMap((c) => [channelKeys(prefix, c).receipts, channelKeys(prefix, c).deadletter]),
    globalKeys(prefix).audit,
  ];
}

/** One export: what is new in each stream since the last run, then the old folders go. */
export async function runBackup(
  redis: RedisClient,
  prefix: string,
  config: BackupConfig,
  now = new Date(),
): Promise<BackupRun> {
  const folder = join(config.dir, now.toISOString().replace(/[:.]/g, '-'));
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const cursors = globalKeys(prefix).backupCursors;
  const exported: Record<string, number> = {};
  for (const stream of backedUpStreams(prefix)) {
    const [last] = await redis.xrevrange(stream, '+', '-', 'COUNT', 1);
    if (!last) continue;
    const since = await redis.hget(cursors, stream);
    if (since === last[0]) continue;
    const file = join(folder, `${stream.replace(/[{}:]/g, '_')}.jsonl`);
    // Up to the last entry seen now: entries appended meanwhile belong to the next run.
    exported[stream] = await exportStream(redis, stream, file, since ? `(${since}` : '-', last[0]);
    await redis.hset(cursors, stream, last[0]);
  }
  return { folder, exported, removed: removeOlderThan(config.dir, config.keepDays, now, folder) };
}

function removeOlderThan(dir: string, keepDays: number, now: Date, keep: string): string[] {
  const cutoff = now.getTime() - keepDays * 86_400_000;
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path === keep) continue;
    const st = statSync(path);
    if (st.isDirectory() && st.mtimeMs < cutoff) {
      rmSync(path, { recursive: true });
      removed.push(path);
    }
  }
  return removed;
}
