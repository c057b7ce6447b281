import { mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { channelKeys, globalKeys } from '@agent-ops/contracts/keys';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { runBackup } from '../src/backup.ts';
import { post, World } from './world.ts';

const url = inject('redisUrl');
const redis = redisClient(url);
const worlds: World[] = [];
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.stop()));
});
afterAll(() => redis.quit());

/** Every JSONL line under a backup folder, by file. */
function exported(folder: string): Record<string, Array<{ id: string; fields: Record<string, string> }>> {
  return Object.fromEntries(
    readdirSync(folder).map((f) => [
      f,
      readFileSync(join(folder, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ]),
  );
}

describe('scheduled backups of receipts, deadletter and audit', () => {
  it('each run writes only what is new since the last, and folders older than keepDays go', async () => {
    const prefix = testPrefix('bk');
    const dir = mkdtempSync(join(tmpdir(), 'backup-'));
    const receiptsKey = channelKeys(prefix, 'x').receipts;
    const audit = globalKeys(prefix).audit;
    await redis.xadd(receiptsKey, '*', 'receipt', '{"n":1}');
    await redis.xadd(audit, '*', 'entry', '{"a":1}');
    const config = { dir, everyHours: 24, keepDays: 30 };

    const first = await runBackup(redis, prefix, config, new Date('2026-12-01T00:00:00Z'));
    expect(Object.values(first.exported)).toEqual([1, 1]);
    const firstFiles = exported(first.folder);
    expect(
      Object.values(firstFiles)
        .flat()
        .map((e) => e.fields),
    ).toEqual([{ receipt: '{"n":1}' }, { entry: '{"a":1}' }]);

    await redis.xadd(receiptsKey, '*', 'receipt', '{"n":2}');
    const stale = join(dir, 'from-long-ago');
    mkdirSync(stale);
    utimesSync(stale, new Date('2026-10-01T00:00:00Z'), new Date('2026-10-01T00:00:00Z'));
    const second = await runBackup(redis, prefix, config, new Date('2026-12-02T00:00:00Z'));
    // Only the new receipt; the audit had nothing new, so it has no file this time.
    expect(second.exported).toEqual({ [receiptsKey]: 1 });
    expect(
      Object.values(exported(second.folder))
        .flat()
        .map((e) => e.fields),
    ).toEqual([{ receipt: '{"n":2}' }]);
    expect(second.removed).toEqual([stale]);
    expect(readdirSync(dir).sort()).toEqual(
      [first.folder, second.folder].map((f) => f.slice(dir.length + 1)).sort(),
    );
  });

  it('the coordinator runs it on its schedule, without anyone remembering', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backup-'));
    const w = new World(url);
    worlds.push(w);
    await w.start({}, { backup: { dir, everyHours: 1 / 3600, keepDays: 30 } });
    await w.producer.submit(post('bk-1', 'backed up', 'personal'));
    const backedUp = (file: string, needle: string) =>
      readdirSync(dir).some((folder) =>
        (exported(join(dir, folder))[file] ?? []).some((e) =>
          Object.values(e.fields).some((v) => v.includes(needle)),
        ),
      );
    const receipts = `${channelKeys(w.prefix, 'x').receipts.replace(/[{}:]/g, '_')}.jsonl`;
    const audit = `${globalKeys(w.prefix).audit.replace(/[{}:]/g, '_')}.jsonl`;
    await waitFor(() => backedUp(receipts, '"bk-1"'), 'a scheduled backup holding the receipt', 20_000);
    // The audit line (submitted) is written after the intent is queued, so it may come a run later.
    await waitFor(() => backedUp(audit, '"bk-1"'), 'a scheduled backup holding the audit line', 20_000);
  });
});
