import { setTimeout as sleep } from 'node:timers/promises';
import { type Cluster, Redis } from 'ioredis';
import { channelKeys, EXECUTORS_GROUP } from '../packages/contracts/src/keys.ts';
import { type RedisServer, startRedisServer } from '../packages/testkit/src/redis-server.ts';

export { sleep };
export const CHANNEL = 'x' as const;
export const PREFIX = 'bench';
export const keys = channelKeys(PREFIX, CHANNEL);
export const GROUP = EXECUTORS_GROUP;

/** A failed check: the run reports nothing for this figure and exits non-zero. */
export class CheckError extends Error {}

export function check(ok: boolean, what: string): void {
  if (!ok) throw new CheckError(`check failed: ${what}`);
}

/** Everything started during the run, stopped in reverse order at the end (and on error). */
const cleanups: Array<{ what: string; fn: () => Promise<unknown> | unknown }> = [];

export function onCleanup(what: string, fn: () => Promise<unknown> | unknown): () => Promise<void> {
  const entry = { what, fn };
  cleanups.push(entry);
  return async () => {
    const i = cleanups.indexOf(entry);
    if (i < 0) return;
    cleanups.splice(i, 1);
    await fn();
  };
}

export async function cleanupAll(): Promise<string[]> {
  const errors: string[] = [];
  while (cleanups.length > 0) {
    const entry = cleanups.pop();
    if (!entry) break;
    try {
      await withTimeout(Promise.resolve(entry.fn()), 10_000, `cleanup of ${entry.what}`);
    } catch (err) {
      errors.push(`${entry.what}: ${(err as Error).message}`);
    }
  }
  return errors;
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type PrivateRedis = {
  server: RedisServer;
  /** A client of this server, disconnected by `release`. */
  client(): Redis;
  /** Flushes the data and disconnects the bench's clients; the server itself stops at the end of the run. */
  release(): Promise<void>;
};

/** A private redis-server for one scenario; flushed when released, stopped at the end of the run. */
export async function privateRedis(): Promise<PrivateRedis> {
  const server = await startRedisServer();
  const clients: Redis[] = [];
  onCleanup(`redis-server :${server.port}`, () => server.stop());
  const disconnect = onCleanup(`clients of redis-server :${server.port}`, () => {
    for (const c of clients) c.disconnect();
  });
  return {
    server,
    client: () => {
      const r = new Redis(server.url, { maxRetriesPerRequest: null });
      clients.push(r);
      return r;
    },
    release: async () => {
      const admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
      await admin.flushall().finally(() => admin.disconnect());
      await disconnect();
    },
  };
}

export function nowNs(): bigint {
  return process.hrtime.bigint();
}

export function msSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e6;
}

/** Polls `probe` every `everyMs` until it returns true; throws after `timeoutMs`. */
export async function waitFor(
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new CheckError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function postIntent(key: string, text: string, meta: Record<string, string> | null = null) {
  return { v: 1, idempotencyKey: key, action: 'x.post', account: 'antifund', payload: { text }, meta };
}

/** Pre-fills the intents stream with `n` x.post intents of distinct keys and texts. */
export async function prefillIntents(redis: Redis | Cluster, n: number, tag: string): Promise<void> {
  const chunk = 1000;
  for (let i = 0; i < n; i += chunk) {
    const p = redis.pipeline();
    for (let j = i; j < Math.min(n, i + chunk); j++) {
      const intent = postIntent(`${tag}-${j}`, `bench post ${tag} number ${j}: ${'lorem ipsum '.repeat(6)}`);
      p.xadd(keys.intents, '*', 'intent', JSON.stringify(intent));
    }
    await p.exec();
  }
}

export async function pendingCount(redis: Redis | Cluster): Promise<number> {
  const reply = (await redis.xpending(keys.intents, GROUP)) as [number, ...unknown[]];
  return Number(reply[0]);
}

/** Receipts == n, nothing pending, nothing left undelivered, no deadletters. */
export async function verifyStreams(redis: Redis | Cluster, n: number, what: string): Promise<void> {
  const [receipts, pending, dead, groups] = await Promise.all([
    redis.xlen(keys.receipts),
    pendingCount(redis),
    redis.xlen(keys.deadletter),
    redis.xinfo('GROUPS', keys.intents) as Promise<unknown[][]>,
  ]);
  const group = groups.map(toRecord).find((g) => g.name === GROUP);
  check(receipts === n, `${what}: receipts ${receipts} == ${n}`);
  check(pending === 0, `${what}: pending ${pending} == 0`);
  check(dead === 0, `${what}: deadletters ${dead} == 0`);
  check(group !== undefined && Number(group.lag) === 0, `${what}: group lag ${String(group?.lag)} == 0`);
}

export function toRecord(row: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < row.length; i += 2) out[String(row[i])] = row[i + 1];
  return out;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/**
 * Open-loop producer: calls `send(i)` at `ratePerSec` for `count` sends, catching up when
 * timers fire late, never waiting for replies.
 */
export async function openLoop(count: number, ratePerSec: number, send: (i: number) => void): Promise<void> {
  const start = nowNs();
  let sent = 0;
  while (sent < count) {
    const due = Math.min(count, Math.floor((msSince(start) * ratePerSec) / 1000) + 1);
    while (sent < due) send(sent++);
    await sleep(1);
  }
}
