import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTlsFiles } from '@agent-ops/runtime/tls-certificates';
import type { FakeX } from '@agent-ops/testkit/fake-x';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { type ServiceProcess, startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import { pendingCount, receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ACCOUNTS, startFakeX } from './helpers.ts';

// Media named by an https URL, fetched by a real executor process from a real https server
// whose CA the process trusts (NODE_EXTRA_CA_CERTS), as it would trust a CDN's.
const ENTRY = join(import.meta.dirname, '..', 'src', 'main.ts');
const url = inject('redisUrl');
const redis = redisClient(url);
const dir = mkdtempSync(join(tmpdir(), 'media-url-'));
const tls = writeTlsFiles(join(dir, 'tls'), { hosts: ['127.0.0.1'] });
const secretsFile = writeSecretsFile({ accounts: { antifund: { x: ACCOUNTS.antifund } } });
const MB = 1024 * 1024;

let fake: FakeX;
let server: Server;
let base = '';
let proc: ServiceProcess;
const prefix = testPrefix();

beforeAll(async () => {
  fake = await startFakeX();
  server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (req, res) => {
    const path = req.url ?? '/';
    if (path === '/chart.png') return res.writeHead(200, { 'content-type': 'image/png' }).end('png bytes');
    if (path === '/page.png') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
    // Declares nothing and sends more than X takes for an image (5 MB).
    if (path === '/huge.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      for (let i = 0; i < 6; i += 1) res.write(Buffer.alloc(MB, 1));
      return res.end();
    }
    if (path === '/moved.png') return res.writeHead(302, { location: 'http://127.0.0.1/chart.png' }).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proc = startService(ENTRY, {
    REDIS_URL: url,
    OPS_PREFIX: prefix,
    OPS_SECRETS_FILE: secretsFile,
    X_API_BASE_URL: fake.url,
    OPS_LOCAL_GATE_FILE: join(dir, 'gate.json'),
    NODE_EXTRA_CA_CERTS: tls.caFile,
  });
  await proc.waitForLog('executor running');
});
afterAll(async () => {
  await proc?.kill('SIGKILL');
  await new Promise((r) => server.close(r));
  await fake.stop();
  await redis.quit();
});

const withMedia = (key: string, file: string) => ({
  v: 1,
  idempotencyKey: key,
  action: 'x.post',
  account: 'antifund',
  payload: { text: `${prefix} ${key}`, media: [{ url: `${base}/${file}`, alt: 'a picture' }] },
});

describe('media by https URL, fetched by the executor', () => {
  it('posts what the URL serves; refuses a wrong content type, too many bytes, a redirect and a 404, naming the URL', async () => {
    for (const [key, file] of [
      ['fetched', 'chart.png'],
      ['not-an-image', 'page.png'],
      ['too-big', 'huge.png'],
      ['redirected', 'moved.png'],
      ['missing', 'gone.png'],
    ] as const) {
      await xaddIntent(redis, prefix, 'x', withMedia(key, file));
    }
    const all = await waitFor(async () => {
      const r = await receipts(redis, prefix, 'x');
      return r.length >= 5 && (await pendingCount(redis, prefix, 'x')) === 0 ? r : undefined;
    }, 'five receipts');
    const by = Object.fromEntries(all.map((r) => [r.idempotencyKey, r]));
    const posted = fake.postsWithText(`${prefix} fetched`);
    expect(posted).toHaveLength(1);
    expect(fake.media.uploads.get(posted[0]?.mediaIds[0] as string)?.bytes?.toString()).toBe('png bytes');
    expect(by.fetched).toMatchObject({ status: 'succeeded', externalId: posted[0]?.id });
    expect(by['not-an-image']).toMatchObject({ status: 'failed', error: { code: 'media_type_mismatch' } });
    expect(by['not-an-image']?.error?.message).toContain(`${base}/page.png: content type text/html`);
    expect(by['too-big']).toMatchObject({ status: 'failed', error: { code: 'media_too_large' } });
    expect(by.redirected).toMatchObject({ status: 'failed', error: { code: 'media_unavailable' } });
    expect(by.redirected?.error?.message).toMatch(/answered a redirect \(302\), which is not followed/);
    expect(by.missing?.error?.message).toContain(`${base}/gone.png: answered 404`);
    for (const key of ['not-an-image', 'too-big', 'redirected', 'missing']) {
      expect(fake.postsWithText(`${prefix} ${key}`)).toHaveLength(0);
    }
  });

  it('a media folder that does not exist stops the start with exit 78, naming the variable', async () => {
    const bad = startService(ENTRY, {
      REDIS_URL: url,
      OPS_PREFIX: testPrefix(),
      OPS_SECRETS_FILE: secretsFile,
      X_MEDIA_DIR: join(dir, 'no-such-folder'),
      OPS_LOCAL_GATE_FILE: join(dir, 'gate.json'),
    });
    expect((await bad.exited).code).toBe(78);
    // The log line is JSON, so the value's quotes come escaped.
    expect(bad.output()).toContain(
      `X_MEDIA_DIR: must be a folder that exists, got \\"${join(dir, 'no-such-folder')}\\"`,
    );
  });
});
