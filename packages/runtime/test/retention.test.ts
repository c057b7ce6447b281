import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { exportStream, trimAcknowledged, trimOlderThan } from '../src/retention.ts';

const redis = redisClient(inject('redisUrl'));
afterAll(() => redis.quit());

async function stream(n: number, at?: (i: number) => string) {
  const key = `${testPrefix('ret')}:{x}:intents`;
  for (let i = 0; i < n; i += 1) await redis.xadd(key, at ? at(i) : '*', 'intent', `e${i}`);
  return key;
}

describe('retention', () => {
  it('trims intents only below what the group has acknowledged: never a pending or undelivered entry', async () => {
    const key = await stream(10);
    expect(await trimAcknowledged(redis, key)).toBe(0); // no group: nothing is known to be done
    await redis.xgroup('CREATE', key, 'executors', '0');
    const read = (await redis.xreadgroup(
      'GROUP',
      'executors',
      'c1',
      'COUNT',
      6,
      'STREAMS',
      key,
      '>',
    )) as Array<[string, Array<[string, string[]]>]>;
    const ids = (read[0]?.[1] ?? []).map(([id]) => id);
    await redis.xack(key, 'executors', ...ids.slice(0, 3), ids[4] as string); // entry 3 and 5 stay pending
    expect(await trimAcknowledged(redis, key)).toBe(3);
    const left = (await redis.xrange(key, '-', '+')).map(([, f]) => f[1]);
    expect(left).toEqual(['e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9']);
  });

  it('trims receipts by age, but never past what a group (the state projection) has yet to read', async () => {
    const now = Date.now();
    const day = 86_400_000;
    const key = await stream(6, (i) => `${now - (6 - i) * day}-0`);
    await redis.xgroup('CREATE', key, 'coordinator', '0');
    await redis.xreadgroup('GROUP', 'coordinator', 'c', 'COUNT', 2, 'STREAMS', key, '>');
    await redis.xack(key, 'coordinator', `${now - 6 * day}-0`, `${now - 5 * day}-0`);
    // Older than 2 days are four entries, but the projection has read only two.
    expect(await trimOlderThan(redis, key, 2 * day, now)).toBe(2);
    await redis.xreadgroup('GROUP', 'coordinator', 'c', 'STREAMS', key, '>');
    await redis.xack(key, 'coordinator', ...(await redis.xrange(key, '-', '+')).map(([id]) => id));
    expect(await trimOlderThan(redis, key, 2 * day, now)).toBe(2);
    expect(await redis.xlen(key)).toBe(2);
  });

  it('exports a stream to JSONL, every entry once, and refuses to overwrite a file', async () => {
    const key = await stream(2500);
    const file = join(mkdtempSync(join(tmpdir(), 'export-')), 'receipts.jsonl');
    expect(await exportStream(redis, key, file)).toBe(2500);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2500);
    expect(lines[2499]).toMatchObject({ fields: { intent: 'e2499' } });
    expect(new Set(lines.map((l) => l.id)).size).toBe(2500);
    await expect(exportStream(redis, key, file)).rejects.toThrow(/EEXIST/);
  });
});
