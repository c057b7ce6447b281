import { join } from 'node:path';
import { createLogger } from '@agent-ops/runtime/logger';
import { FakeNtfy } from '@agent-ops/testkit/fake-ntfy';
import { freePort } from '@agent-ops/testkit/free-port';
import { type HttpsProxy, startHttpsProxy } from '@agent-ops/testkit/https-proxy';
import { type ServiceProcess, startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import { waitFor } from '@agent-ops/testkit/wait';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { post } from '../../coordinator/test/world.ts';
import { Dashboard } from '../src/dashboard.ts';
import { DASHBOARD_TOKEN, LINK_KEY, OUTPUT, type Stack, startStack, stopStack } from './stack.ts';

const TOPIC = 'ops-phone-proxy-test';
const NOTIFY_ENTRY = join(import.meta.dirname, '..', '..', 'notify-executor', 'src', 'main.ts');

let s: Stack;
let proxy: HttpsProxy;
let untrusted: { dashboard: Dashboard; proxy: HttpsProxy };
let ntfy: FakeNtfy;
let notify: ServiceProcess;

beforeAll(async () => {
  const port = await freePort();
  proxy = await startHttpsProxy(`http://127.0.0.1:${port}`);
  s = await startStack(inject('redisUrl'), {
    dashboard: { port, trustProxy: true },
    coordinator: {
      alerts: {
        account: 'alerts',
        dashboardUrl: proxy.url,
        linkKey: LINK_KEY,
        destinations: { 'ops-phone': { via: 'notify' } },
        people: { ana: { destinations: ['ops-phone'], events: ['approval_waiting'] } },
        digestSeconds: 0.2,
        scanSeconds: 0.2,
      },
    },
  });
  ntfy = await new FakeNtfy().start();
  notify = startService(NOTIFY_ENTRY, {
    REDIS_URL: s.world.redisUrl,
    OPS_PREFIX: s.world.prefix,
    OPS_SECRETS_FILE: writeSecretsFile({
      accounts: {
        alerts: {
          notify: { destinations: { 'ops-phone': { kind: 'ntfy', server: ntfy.url, topic: TOPIC } } },
        },
      },
    }),
    OPS_LOCAL_GATE_FILE: join(s.world.dir, 'no-gate.json'),
  });
  await notify.waitForLog('executor running');
  // The same dashboard without DASHBOARD_TRUST_PROXY, behind its own proxy: the 403.
  const plainPort = await freePort();
  const plain = new Dashboard(
    { ...s.config, port: plainPort, trustProxy: false },
    createLogger('dashboard', 'silent'),
  );
  await plain.start();
  untrusted = { dashboard: plain, proxy: await startHttpsProxy(`http://127.0.0.1:${plainPort}`) };
}, 90_000);
afterAll(async () => {
  await notify?.kill('SIGKILL');
  await untrusted?.proxy.stop();
  await untrusted?.dashboard.close();
  await proxy?.stop();
  await ntfy?.stop();
  await stopStack(s);
});

async function phone(): Promise<BrowserContext> {
  return s.browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    ignoreHTTPSErrors: true,
  });
}

describe('the dashboard behind an HTTPS reverse proxy (nginx on loopback)', () => {
  it('without DASHBOARD_TRUST_PROXY the proxied login is refused by the origin check, as the issue found', async () => {
    const ctx = await phone();
    const p = await ctx.newPage();
    await p.goto(`${untrusted.proxy.url}/login`);
    await p.fill('#token', DASHBOARD_TOKEN);
    const [answer] = await Promise.all([
      p.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'),
      p.click('button[type=submit]'),
    ]);
    expect(answer.status()).toBe(403);
    await ctx.close();
  });

  it('at 390 px through HTTPS: open the alert link, log in, approve; the post is made once', async () => {
    await s.world.producer.submit(post('proxied-1', 'approved through the proxy'));
    const alert = await waitFor(
      () => ntfy.inTopic(TOPIC).find((m) => m.message.includes('(proxied-1)')),
      'the approval alert at ntfy',
    );
    const link = alert.click ?? '';
    expect(link.startsWith(`${proxy.url}/approve/`)).toBe(true);
    const ctx = await phone();
    const p = await ctx.newPage();
    p.setDefaultTimeout(10_000);
    await p.goto(link);
    expect(new URL(p.url()).pathname).toBe('/login');
    await p.fill('#token', DASHBOARD_TOKEN);
    await p.click('button[type=submit]');
    await p.waitForSelector('body[data-ready="1"]');
    expect(p.url()).toBe(link);
    const cookie = (await ctx.cookies()).find((c) => c.name === 'ops_dashboard');
    expect(cookie?.secure).toBe(true);
    await p.click('button[data-action=approve]');
    await p.locator('#approval-state[data-state="succeeded"]').waitFor({ timeout: 15_000 });
    await p.screenshot({ path: join(OUTPUT, 'proxied-approved-390.png'), fullPage: true });
    expect(s.world.fake.postsWithText('approved through the proxy')).toHaveLength(1);
    await ctx.close();
  });
});
