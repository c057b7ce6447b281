import { join } from 'node:path';
import { createLogger } from '@agent-ops/runtime/logger';
import { FakeNtfy } from '@agent-ops/testkit/fake-ntfy';
import { freePort } from '@agent-ops/testkit/free-port';
import { type HttpsProxy, startHttpsProxy } from '@agent-ops/testkit/https-proxy';
import { type ServiceProcess, startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import { waitFor } from '@agent-ops/testkit/wait';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OPERATOR_TOKEN, PRODUCER_TOKEN, post } from '../../coordinator/test/world.ts';
import { Dashboard } from '../src/dashboard.ts';
import { DASHBOARD_TOKEN, LINK_KEY, OUTPUT, type Stack, startStack, stopStack } from './stack.ts';

const TOPIC = 'ops-phone-proxy-test';
const ANA = {
  name: 'ana',
  loginToken: 'ana-login-token-0123456789',
  operatorToken: 'ana-operator-token-0123456789ab',
};
const BOB = {
  name: 'bob',
  loginToken: 'bob-login-token-0123456789',
  operatorToken: 'bob-operator-token-0123456789ab',
  login: 'bob@example.com',
};
const NOTIFY_ENTRY = join(import.meta.dirname, '..', '..', 'notify-executor', 'src', 'main.ts');

let s: Stack;
let proxy: HttpsProxy;
let untrusted: { dashboard: Dashboard; proxy: HttpsProxy };
let ntfy: FakeNtfy;
let notify: ServiceProcess;
let identity: HttpsProxy;

beforeAll(async () => {
  const port = await freePort();
  proxy = await startHttpsProxy(`http://127.0.0.1:${port}`);
  s = await startStack(inject('redisUrl'), {
    dashboard: {
      port,
      trustProxy: true,
      operators: [ANA, BOB],
      identityHeader: 'tailscale-user-login',
      sessionKey: 'session-key-for-the-proxy-test-0123456789',
    },
    coordinator: {
      // Each person has their own operator token at the coordinator, whose audit names them.
      tokens: [
        { name: 'ops-person', role: 'operator', token: OPERATOR_TOKEN },
        { name: 'openclaw', role: 'producer', token: PRODUCER_TOKEN },
        { name: 'ana', role: 'operator', token: ANA.operatorToken },
        { name: 'bob', role: 'operator', token: BOB.operatorToken },
      ],
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
  // A proxy that says who the person is, as tailscale serve does for a tailnet user.
  identity = await startHttpsProxy(`http://127.0.0.1:${port}`, { 'Tailscale-User-Login': BOB.login });
}, 90_000);
afterAll(async () => {
  await notify?.kill('SIGKILL');
  await identity?.stop();
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
    await p.fill('#token', ANA.loginToken);
    await p.click('button[type=submit]');
    await p.waitForSelector('body[data-ready="1"]');
    expect(p.url()).toBe(link);
    const cookie = (await ctx.cookies()).find((c) => c.name === 'ops_dashboard');
    expect(cookie?.secure).toBe(true);
    await p.click('button[data-action=approve]');
    await p.locator('#approval-state[data-state="succeeded"]').waitFor({ timeout: 15_000 });
    await p.screenshot({ path: join(OUTPUT, 'proxied-approved-390.png'), fullPage: true });
    expect(s.world.fake.postsWithText('approved through the proxy')).toHaveLength(1);
    expect(await p.textContent('#approval-state')).toMatch(/approved by ana/);
    const audit = s.world
      .auditLines()
      .filter((a) => a.idempotencyKey === 'proxied-1' && a.action === 'approved');
    expect(audit.map((a) => a.actor)).toEqual(['ana']);
    await ctx.close();
  });

  it('two operators approve and reject different intents; audit and dashboard tell them apart; a restart keeps both logged in', async () => {
    await s.world.producer.submit(post('two-a', 'ana approves this'));
    await s.world.producer.submit(post('two-b', 'bob rejects this'));
    // The two may share one digest: then each approval's own link is on the line after it.
    const linkOf = async (key: string) => {
      const m = await waitFor(
        () => ntfy.inTopic(TOPIC).find((x) => x.message.includes(`(${key})`)),
        `the alert of ${key}`,
      );
      const lines = m.message.split('\n');
      const after = lines[lines.findIndex((l) => l.includes(`(${key})`)) + 1]?.trim() ?? '';
      return after.startsWith(`${proxy.url}/approve/`) ? after : (m.click ?? '');
    };
    const people = [
      { who: ANA, key: 'two-a', action: 'approve', state: 'succeeded' },
      { who: BOB, key: 'two-b', action: 'reject', state: 'rejected' },
    ] as const;
    const contexts: BrowserContext[] = [];
    try {
      for (const person of people) {
        const ctx = await phone();
        contexts.push(ctx);
        const p = await ctx.newPage();
        p.setDefaultTimeout(10_000);
        await p.goto(await linkOf(person.key));
        await p.fill('#token', person.who.loginToken);
        await p.click('button[type=submit]');
        await p.waitForSelector('body[data-ready="1"]');
        await p.click(`button[data-action=${person.action}]`);
        await p.locator(`#approval-state[data-state="${person.state}"]`).waitFor({ timeout: 15_000 });
        expect(await p.textContent('#approval-state')).toContain(`by ${person.who.name}`);
      }
      const decided = s.world
        .auditLines()
        .filter((a) => a.idempotencyKey === 'two-a' || a.idempotencyKey === 'two-b');
      expect(
        decided
          .filter((a) => a.action !== 'submitted')
          .map((a) => `${a.action}:${a.idempotencyKey}:${a.actor}`)
          .sort(),
      ).toEqual(['approved:two-a:ana', 'rejected:two-b:bob']);
      expect(s.world.fake.postsWithText('ana approves this')).toHaveLength(1);
      expect(s.world.fake.postsWithText('bob rejects this')).toHaveLength(0);

      // A dashboard restart: the sessions are in the cookies, encrypted with DASHBOARD_SESSION_KEY.
      await s.dashboard.close();
      s.dashboard = new Dashboard(s.config, createLogger('dashboard', 'silent'));
      await s.dashboard.start();
      for (const [i, ctx] of contexts.entries()) {
        const p = await ctx.newPage();
        await p.goto(`${proxy.url}/`);
        await p.waitForSelector('body[data-ready="1"]');
        expect(new URL(p.url()).pathname).toBe('/');
        expect(await p.textContent('#who')).toContain(people[i]?.who.name);
        await p.screenshot({ path: join(OUTPUT, `after-restart-${people[i]?.who.name}-390.png`) });
        // Still able to act: a CSRF-checked POST with the session from before the restart.
        const csrf = await p.getAttribute('meta[name="csrf-token"]', 'content');
        const status = await p.evaluate(
          async (token) =>
            (
              await fetch('/api/gate', {
                method: 'POST',
                headers: { 'content-type': 'application/json', 'x-csrf-token': token ?? '' },
                body: JSON.stringify({
                  scope: 'x',
                  enabled: true,
                  reason: 'still logged in after the restart',
                }),
              })
            ).status,
          csrf,
        );
        expect(status).toBe(200);
      }
      const gates = s.world
        .auditLines()
        .filter((a) => a.action === 'gate_changed')
        .map((a) => a.actor);
      expect(gates).toEqual(expect.arrayContaining(['ana', 'bob']));
    } finally {
      for (const ctx of contexts) await ctx.close();
    }
  });

  it('opt-in identity header: the person a trusted proxy names is logged in; the same header sent directly is ignored', async () => {
    const ctx = await phone();
    const p = await ctx.newPage();
    await p.goto(`${identity.url}/`);
    await p.waitForSelector('body[data-ready="1"]');
    expect(await p.textContent('#who')).toContain('bob');
    await ctx.close();
    const direct = await fetch(`${s.url}/`, {
      headers: { 'tailscale-user-login': BOB.login },
      redirect: 'manual',
    });
    expect(direct.status).toBe(303);
    expect(direct.headers.get('location')).toBe('/login');
  });
});
