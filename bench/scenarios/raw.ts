import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { check, GROUP, keys, msSince, nowNs, prefillIntents, privateRedis, verifyStreams } from '../lib.ts';
import type { ThroughputResult } from './pipeline.ts';

const LEASE = `return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0`;

const SETTLE = `
local id = redis.call('XADD', KEYS[1], '*', 'receipt', ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], id)
redis.call('DEL', KEYS[3])
redis.call('XACK', KEYS[4], ARGV[3], ARGV[4])
return id`;

type RawRedis = Redis & {
  benchLease(key: string, token: string, ttl: number): Promise<number>;
  benchSettle(
    receipts: string,
    done: string,
    lease: string,
    intents: string,
    receipt: string,
    key: string,
    group: string,
    id: string,
  ): Promise<string>;
};

/**
 * The raw ceiling of the same Redis work, written directly: XREADGROUP COUNT 200, then per
 * message a lease script (SET NX PX) and a settle script (XADD receipt + HSET idempotency +
 * DEL lease + XACK), each pipelined per read batch.
 */
export async function rawThroughput(n: number): Promise<ThroughputResult> {
  const { client, release } = await privateRedis();
  const redis = client();
  await prefillIntents(redis, n, 'raw');
  await redis.xgroup('CREATE', keys.intents, GROUP, '0', 'MKSTREAM');
  const r = client() as RawRedis;
  r.defineCommand('benchLease', { numberOfKeys: 1, lua: LEASE });
  r.defineCommand('benchSettle', { numberOfKeys: 4, lua: SETTLE });
  await r.ping();

  const t0 = nowNs();
  let settled = 0;
  for (;;) {
    const reply = (await r.xreadgroup(
      'GROUP',
      GROUP,
      'raw',
      'COUNT',
      200,
      'STREAMS',
      keys.intents,
      '>',
    )) as Array<[string, Array<[string, string[]]>]> | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) break;
    const msgs = entries.map(([id, fields]) => {
      const intent = JSON.parse(fields[1] as string) as {
        idempotencyKey: string;
        action: string;
        account: string;
      };
      return { id, intent, token: randomUUID() };
    });
    const leases = r.pipeline() as unknown as RawRedis & { exec(): Promise<Array<[Error | null, unknown]>> };
    for (const m of msgs) leases.benchLease(`${keys.leases}:${m.intent.idempotencyKey}`, m.token, 30_000);
    const leaseReplies = (await leases.exec()) ?? [];
    const settles = r.pipeline() as unknown as RawRedis & { exec(): Promise<Array<[Error | null, unknown]>> };
    msgs.forEach((m, i) => {
      check(leaseReplies[i]?.[1] === 1, `raw: lease for ${m.intent.idempotencyKey}`);
      const receipt = JSON.stringify({
        v: 1,
        idempotencyKey: m.intent.idempotencyKey,
        action: m.intent.action,
        account: m.intent.account,
        status: 'succeeded',
        externalId: `raw-${m.intent.idempotencyKey}`,
        url: null,
        attempts: 1,
        executor: 'raw',
        intentId: m.id,
        startedAt: new Date().toISOString(),
        finishedAt: new Date().toISOString(),
        error: null,
      });
      settles.benchSettle(
        keys.receipts,
        keys.done,
        `${keys.leases}:${m.intent.idempotencyKey}`,
        keys.intents,
        receipt,
        m.intent.idempotencyKey,
        GROUP,
        m.id,
      );
    });
    const settleReplies = (await settles.exec()) ?? [];
    for (const [err] of settleReplies) check(err === null, `raw: settle script (${String(err)})`);
    settled += msgs.length;
  }
  const ms = msSince(t0);
  check(settled === n, `raw: settled ${settled} == ${n}`);
  await verifyStreams(redis, n, 'raw ceiling');
  await release();
  return { n, ms, perSec: (n / ms) * 1000 };
}
