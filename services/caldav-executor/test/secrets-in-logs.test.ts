import { join } from 'node:path';
import { FaultProxy } from '@agent-ops/testkit/fault-proxy';
import { settledReceipts } from '@agent-ops/testkit/in-process';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import { type RadicaleServer, startRadicale } from '@agent-ops/testkit/radicale';
import { xaddIntent } from '@agent-ops/testkit/streams';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';

const url = inject('redisUrl');
const redis = redisClient(url);
let radicale: RadicaleServer;
let proxy: FaultProxy;

beforeAll(async () => {
  radicale = await startRadicale({ ada: 'the-right-password-1' });
  await radicale.makeCalendar('ada', 'work');
  proxy = await new FaultProxy(radicale.url).start();
});
afterAll(async () => {
  await proxy.stop();
  await radicale.stop();
  await redis.quit();
});

it('the service as people run it: a refused password, by URL and through discovery, is unauthorized and in no log line or record', async () => {
  const password = 'wrong-app-password-9q7z';
  const prefix = testPrefix();
  const proc = startService(join(import.meta.dirname, '..', 'src', 'main.ts'), {
    REDIS_URL: url,
    OPS_PREFIX: prefix,
    LOG_LEVEL: 'debug',
    OPS_LOCAL_GATE_FILE: join(radicale.dir, 'no-gate.json'),
    OPS_SECRETS_FILE: writeSecretsFile({
      accounts: {
        acme: {
          caldav: {
            username: 'ada',
            password,
            calendars: { default: { url: `${proxy.url}/ada/work/` }, found: { displayName: 'Work' } },
            serverUrl: `${proxy.url}/`,
          },
        },
      },
    }),
  });
  try {
    await proc.waitForLog('executor running');
    const hour = { start: { dateTime: '2026-12-01T10:00:00Z' }, end: { dateTime: '2026-12-01T11:00:00Z' } };
    await xaddIntent(redis, prefix, 'caldav', {
      v: 1,
      idempotencyKey: 'by-url',
      action: 'caldav.create',
      account: 'acme',
      payload: { summary: 'x', ...hour },
    });
    await xaddIntent(redis, prefix, 'caldav', {
      v: 1,
      idempotencyKey: 'by-discovery',
      action: 'caldav.create',
      account: 'acme',
      payload: { calendar: 'found', summary: 'y', ...hour },
    });
    const receipts = await settledReceipts(redis, prefix, 'caldav', 2);
    for (const r of receipts) expect(r).toMatchObject({ status: 'failed', error: { code: 'unauthorized' } });
    const everything = `${proc.output()}\n${JSON.stringify(receipts)}\n${JSON.stringify(await redis.xrange(`${prefix}:{caldav}:deadletter`, '-', '+'))}`;
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(Buffer.from(`ada:${password}`).toString('base64'));
  } finally {
    await proc.kill('SIGKILL');
  }
});
