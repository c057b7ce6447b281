// Measures the dashboard against a long history: `node services/dashboard/test/measure-history.ts [entries]`.
// Starts a private redis-server, writes N receipts (default 1,000,000) to one stream server-side,
// then times the snapshot, the receipts list (plain and with a rare filter) and a page load over HTTP.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@agent-ops/runtime/logger';
import { freePort } from '@agent-ops/testkit/free-port';
import { startRedisServer } from '@agent-ops/testkit/redis-server';
import { Redis } from 'ioredis';
import { parseDashboardConfig } from '../src/config.ts';
import { Dashboard } from '../src/dashboard.ts';
import { DASHBOARD_TOKEN, loginHttp } from './stack.ts';

const N = Number(process.argv[2] ?? 1_000_000);
/** Every module of the page, as a browser loads them. */
const SCRIPTS = readdirSync(join(import.meta.dirname, '..', 'public', 'js')).map((f) => `/js/${f}`);
const prefix = 'm';
const server = await startRedisServer();
const redis = new Redis(server.url);
const FILL = `
local n = tonumber(ARGV[1])
local base = tonumber(ARGV[2])
local statuses = {'succeeded','succeeded','succeeded','succeeded','failed','rejected'}
for i = 1, n do
  local k = base + i
  local st = statuses[(k % 6) + 1]
  if k % 100000 == 7 then st = 'unknown' end
  local err = 'null'
  if st ~= 'succeeded' then err = '{"code":"x","message":"m","retryable":false}' end
  redis.call('XADD', KEYS[1], '*', 'receipt', '{"v":1,"idempotencyKey":"key-' .. k .. '","action":"x.post","account":"acct' .. (k % 7) .. '","status":"' .. st .. '","externalId":"' .. k .. '","url":"https://x.com/a/status/' .. k .. '","attempts":1,"executor":"host-1","intentId":"1-' .. k .. '","startedAt":"2026-01-01T00:00:00.000Z","finishedAt":"2026-01-01T00:00:00.100Z","error":' .. err .. '}')
end
return n`;

const time = async <T>(label: string, run: () => Promise<T>, times = 1): Promise<T> => {
  let result: T | undefined;
  const samples: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const t0 = performance.now();
    result = await run();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] ?? 0;
  console.log(
    `${label}: median ${median.toFixed(1)} ms, max ${(samples.at(-1) ?? 0).toFixed(1)} ms (${times} runs)`,
  );
  return result as T;
};

try {
  const key = `${prefix}:{x}:receipts`;
  const t0 = performance.now();
  for (let done = 0; done < N; done += 50_000)
    await redis.eval(FILL, 1, key, Math.min(50_000, N - done), done);
  console.log(
    `filled ${await redis.xlen(key)} receipts in ${((performance.now() - t0) / 1000).toFixed(1)} s; used_memory ${(/used_memory_human:(\S+)/.exec(await redis.info('memory')) ?? [])[1]}`,
  );
  const dashboard = new Dashboard(
    parseDashboardConfig({
      redisUrl: server.url,
      prefix,
      port: await freePort(),
      token: DASHBOARD_TOKEN,
      coordinatorUrl: 'http://127.0.0.1:9',
      operatorToken: 'not-used-by-a-read-0123456789',
    }),
    createLogger('dashboard', 'silent'),
  );
  const url = await dashboard.start();
  await time('first snapshot (includes the chart backfill)', () => dashboard.reader.snapshot());
  const snap = await time('snapshot', () => dashboard.reader.snapshot(), 20);
  console.log(`  accounts shown: ${snap.accounts.length}, chart partial: ${snap.chart.partial}`);
  await time('receipts, newest 50', () => dashboard.reader.receipts({}), 20);
  const rare = await time('receipts, status=unknown (rare: scans at most 2,000)', () =>
    dashboard.reader.receipts({ status: 'unknown' }),
  );
  console.log(`  matched ${rare.items.length}, scanned ${rare.scanned}, complete ${rare.complete}`);
  await time('receipts, account=acct3', () => dashboard.reader.receipts({ account: 'acct3' }), 10);
  const { cookie } = await loginHttp(url);
  await time(
    'page load over HTTP: GET / + its js modules + app.css + first SSE snapshot',
    async () => {
      await Promise.all(
        ['/', ...SCRIPTS, '/app.css'].map(async (p) =>
          (await fetch(`${url}${p}`, { headers: { cookie } })).text(),
        ),
      );
      const ac = new AbortController();
      const res = await fetch(`${url}/events`, { headers: { cookie }, signal: ac.signal });
      if (res.status !== 200) throw new Error(`/events answered ${res.status}`);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!text.includes('event: snapshot')) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error('/events ended before a snapshot');
        text += decoder.decode(chunk.value, { stream: true });
      }
      ac.abort();
    },
    10,
  );
  await dashboard.close();
} finally {
  redis.disconnect();
  await server.stop();
}
