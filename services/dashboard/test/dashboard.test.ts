import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { channelKeys } from '@agent-ops/contracts/keys';
import { createLogger } from '@agent-ops/runtime/logger';
import { FakeOpenClawHooks } from '@agent-ops/testkit/fake-openclaw-hooks';
import { waitFor } from '@agent-ops/testkit/wait';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AgentHook } from '../../coordinator/src/agent-hook/agent-hook.ts';
import { approvalLink } from '../../coordinator/src/alerts/approval-link.ts';
import { post } from '../../coordinator/test/world.ts';
import { CSP } from '../src/security.ts';
import type { Snapshot } from '../src/views.ts';
import { DASHBOARD_TOKEN, LINK_KEY, loginHttp, OUTPUT, type Stack, startStack, stopStack } from './stack.ts';

const DOCS = join(import.meta.dirname, '..', '..', '..', 'docs');
const XSS_TEXT = `<script>alert("xss-script")</script><img src=x onerror="alert('xss-img')"> & "quotes"`;

let s: Stack;
let context: BrowserContext;
let page: Page;
const dialogs: string[] = [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  s = await startStack(inject('redisUrl'));
}, 60_000);
afterAll(async () => {
  await stopStack(s);
});

describe('dashboard: HTTP guards', () => {
  it('refuses every request without a session', async () => {
    for (const path of ['/events', '/api/snapshot']) {
      expect((await fetch(`${s.url}${path}`)).status).toBe(401);
    }
    const action = await fetch(`${s.url}/api/gate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scope: 'global', enabled: false, reason: 'no session' }),
    });
    expect(action.status).toBe(401);
    const home = await fetch(`${s.url}/`, { redirect: 'manual' });
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/login');
    const wrong = await fetch(`${s.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=not-the-token',
      redirect: 'manual',
    });
    expect(wrong.headers.get('location')).toBe('/login?error=token');
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('sets a strict session cookie and CSP, and refuses an action without the CSRF token (403)', async () => {
    const res = await fetch(`${s.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: DASHBOARD_TOKEN }).toString(),
      redirect: 'manual',
    });
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const { cookie, csrf } = await loginHttp(s.url);
    expect(csrf.length).toBeGreaterThan(20);
    const home = await fetch(`${s.url}/`, { headers: { cookie } });
    expect(home.headers.get('content-security-policy')).toBe(CSP);
    expect(await home.text()).not.toMatch(/<script>|<script [^>]*>[^<]/);

    const gate = { scope: 'global', enabled: false, reason: 'csrf test' };
    const headers = { cookie, 'content-type': 'application/json' };
    const noToken = await fetch(`${s.url}/api/gate`, { method: 'POST', headers, body: JSON.stringify(gate) });
    expect(noToken.status).toBe(403);
    const badToken = await fetch(`${s.url}/api/gate`, {
      method: 'POST',
      headers: { ...headers, 'x-csrf-token': `${csrf.slice(0, -2)}xx` },
      body: JSON.stringify(gate),
    });
    expect(badToken.status).toBe(403);
    const otherOrigin = await fetch(`${s.url}/api/gate`, {
      method: 'POST',
      headers: { ...headers, 'x-csrf-token': csrf, origin: 'http://evil.example' },
      body: JSON.stringify(gate),
    });
    expect(otherOrigin.status).toBe(403);
    // Nothing changed: the gate is open and no decision was audited.
    expect(await s.world.redis.hget(channelKeys(s.world.prefix, 'x').gate, 'global')).toBeNull();
    expect(s.world.auditLines().filter((a) => a.action === 'gate_changed')).toHaveLength(0);
    // With the token, a bad body is refused by validation, naming the field.
    const invalid = await fetch(`${s.url}/api/gate`, {
      method: 'POST',
      headers: { ...headers, 'x-csrf-token': csrf },
      body: JSON.stringify({ ...gate, reason: '' }),
    });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { message: string }).message).toMatch(/reason/);
  });

  it('reads with a read-only Redis user (a write on its connection is refused)', async () => {
    await expect(s.dashboard.redis.set(`${s.world.prefix}:probe`, '1')).rejects.toThrow(/NOPERM/);
    const { cookie } = await loginHttp(s.url);
    const res = await fetch(`${s.url}/api/snapshot`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { snapshot: { redis: { ok: boolean } } };
    expect(body.snapshot.redis.ok).toBe(true);
  });
});

describe('dashboard: an outage being waited out', () => {
  it('shows the intents waiting to be tried again, and none once X is back', async () => {
    const w = s.world;
    const { cookie } = await loginHttp(s.url);
    const waiting = async () => {
      const res = await fetch(`${s.url}/api/snapshot`, { headers: { cookie } });
      const body = (await res.json()) as {
        snapshot: { channels: Array<{ channel: string; waitingRetries: number }> };
      };
      return body.snapshot.channels.find((c) => c.channel === 'x')?.waitingRetries ?? 0;
    };
    w.fake.outageUntil = Date.now() + 300_000;
    await w.producer.submit(post('outage-1', 'posted after the outage (dashboard)', 'personal'));
    await waitFor(async () => (await waiting()) >= 1, 'the snapshot to show an intent waiting to retry');
    w.fake.outageUntil = 0;
    await waitFor(
      async () => (await w.producer.get('outage-1')).record.state === 'succeeded',
      'the post once X is back',
      20_000,
    );
    await waitFor(async () => (await waiting()) === 0, 'nothing waiting');
    expect(w.fake.postsWithText('posted after the outage (dashboard)')).toHaveLength(1);
  });
});

describe("dashboard: reports the agent's gateway refused for good", () => {
  it('lists each with its reason, as the coordinator recorded it', async () => {
    const gateway = await new FakeOpenClawHooks({
      token: 'hooks-token-dash',
      allowedAgentIds: ['main'],
    }).start();
    const hook = new AgentHook(
      {
        url: gateway.hookUrl,
        token: 'hooks-token-dash',
        receipts: 'problems',
        agentId: 'ops', // not allowed by the gateway: 400, never retried
        timeoutSeconds: 30,
        maxAgeHours: 24,
        backoff: { baseMs: 50, maxMs: 200 },
      },
      inject('redisUrl'),
      s.world.prefix,
      createLogger('coordinator', 'silent'),
    );
    hook.start();
    try {
      await hook.report('x', {
        v: 1,
        idempotencyKey: 'dash-hook-refused',
        action: 'x.post',
        account: 'personal',
        status: 'failed',
        externalId: null,
        url: null,
        attempts: 1,
        executor: 'x-executor@test',
        intentId: '1700000000000-0',
        startedAt: '2026-12-01T10:00:00.000Z',
        finishedAt: '2026-12-01T10:00:01.000Z',
        error: { code: 'http_400', message: 'refused', retryable: false },
      });
      const { cookie } = await loginHttp(s.url);
      const listed = await waitFor(async () => {
        const res = await fetch(`${s.url}/api/snapshot`, { headers: { cookie } });
        const body = (await res.json()) as { snapshot: Snapshot };
        return body.snapshot.hookUndelivered.items.find((i) => i.key === 'dash-hook-refused');
      }, 'the refused report on the dashboard');
      expect(listed).toMatchObject({ channel: 'x', action: 'x.post', status: 'failed', attempts: 1 });
      expect(listed.reason).toMatch(/answered 400: agentId "ops" is not allowed/);
      expect(gateway.requests).toHaveLength(1);
    } finally {
      await hook.close();
      await gateway.stop();
    }
  });
});

describe('dashboard: in a real browser', () => {
  beforeAll(async () => {
    context = await s.browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(8000);
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });
  afterAll(async () => {
    await context?.close();
  });

  it('logs in with the token', async () => {
    await page.goto(`${s.url}/`);
    expect(page.url()).toMatch(/\/login$/);
    await page.fill('#token', 'wrong-token-wrong-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error');
    await page.fill('#token', DASHBOARD_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#live.pill-ok');
    await page.waitForSelector('body[data-ready="1"]');
    expect(await page.textContent('#approvals-list')).toMatch(/Nothing waits for approval/);
  });

  it('shows a pending post with XSS payloads as inert text, approves it, and its receipt links within 2 s', async () => {
    await s.world.producer.submit(post('launch-xss', XSS_TEXT));
    const item = page.locator('#approvals-list article', { hasText: 'launch-xss' });
    await item.waitFor();
    expect(await item.locator('.post-text').textContent()).toBe(XSS_TEXT);
    expect(await page.locator('#approvals-list img').count()).toBe(0);
    expect(await page.locator('#approvals-list script').count()).toBe(0);
    await page.screenshot({ path: join(OUTPUT, 'approvals-1280.png'), fullPage: true });

    await item.locator('input[name=comment]').fill('ok <b>bold</b>');
    const started = Date.now();
    await item.locator('button[data-action=approve]').click();
    const link = page.locator('#receipts-body tr[data-key="launch-xss"] a');
    await link.waitFor({ timeout: 2000 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(2000);
    expect(await link.getAttribute('href')).toMatch(/^https:\/\/x\.com\/antifund\/status\/\d+$/);
    expect(await page.locator('#receipts-body tr[data-key="launch-xss"] td.what').textContent()).toBe(
      XSS_TEXT,
    );
    expect(s.world.fake.postsWithText(XSS_TEXT)).toHaveLength(1);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate('document.querySelectorAll("img").length')).toBe(0);
    process.stderr.write(`[dashboard test] approve click to receipt link visible: ${elapsed} ms\n`);
  });

  it('replays a deadlettered intent (a post refused with 400)', async () => {
    s.world.fake.inject({ kind: 'status', status: 400, body: { title: 'Invalid Request', detail: 'bad' } });
    await s.world.producer.submit(post('dl-1', 'refused the first time', 'personal'));
    const entry = page.locator('#deadletter-list article', { hasText: 'dl-1' });
    await entry.waitFor({ timeout: 10_000 });
    const replay = entry.locator('button', { hasText: 'Replay' });
    await waitFor(async () => !(await replay.isDisabled()), 'replay to be enabled', 10_000);
    expect(await page.locator('#receipts-body tr[data-key="dl-1"][data-status="failed"]').count()).toBe(1);
    await page.screenshot({ path: join(OUTPUT, 'deadletter-1280.png'), fullPage: true });
    await replay.click();
    await page
      .locator('#receipts-body tr[data-key="dl-1"][data-status="succeeded"] a')
      .waitFor({ timeout: 10_000 });
    expect(s.world.fake.postsWithText('refused the first time')).toHaveLength(1);
    expect(s.world.auditLines().some((a) => a.action === 'replayed' && a.idempotencyKey === 'dl-1')).toBe(
      true,
    );
  });

  it('resolves parked unknown intents: mark one done with the id found, retry the other', async () => {
    const w = s.world;
    // X acts and drops the answer, and its timeline cannot be read: nobody can tell, so it parks.
    w.fake.inject({ kind: 'act_then_drop' });
    w.fake.inject({ kind: 'status', status: 503 }, { method: 'GET', path: /\/tweets$/, times: 200 });
    await w.producer.submit(post('unk-done', 'maybe posted (dashboard)', 'personal'));
    const first = page.locator('#unknown-list article', { hasText: 'unk-done' });
    await first.waitFor({ timeout: 20_000 });
    const postId = w.fake.postsWithText('maybe posted (dashboard)')[0]?.id as string;
    await first.locator('input[name="externalId"]').fill(postId);
    await first.locator('button', { hasText: 'Mark done' }).click();
    await page
      .locator('#receipts-body tr[data-key="unk-done"][data-status="succeeded"]')
      .waitFor({ timeout: 10_000 });
    expect((await w.operator.get('unk-done')).record.receipt).toMatchObject({
      externalId: postId,
      executor: 'operator:ops-person',
    });

    // The connection drops before X acts: parked too; once X is back, Retry posts it, once.
    w.fake.inject({ kind: 'drop' });
    await w.producer.submit(post('unk-retry', 'never reached X (dashboard)', 'personal'));
    const second = page.locator('#unknown-list article', { hasText: 'unk-retry' });
    await second.waitFor({ timeout: 20_000 });
    expect(w.fake.postsWithText('never reached X (dashboard)')).toHaveLength(0);
    w.fake.clearFaults();
    await second.locator('button', { hasText: 'Retry' }).click();
    await page
      .locator('#receipts-body tr[data-key="unk-retry"][data-status="succeeded"]')
      .waitFor({ timeout: 10_000 });
    expect(w.fake.postsWithText('never reached X (dashboard)')).toHaveLength(1);
    const audited = w
      .auditLines()
      .filter((a) => a.action === 'resolved' || a.action === 'replayed')
      .map((a) => `${a.action}:${a.idempotencyKey}`);
    expect(audited).toEqual(expect.arrayContaining(['resolved:unk-done', 'replayed:unk-retry']));
  });

  it('closes the gate with a reason; after that no new call reaches the fake', async () => {
    await page.selectOption('#gate-scope', 'global');
    await page.click('#gate-close');
    await page.fill('#gate-reason', 'pausing <everything>');
    await page.click('#gate-confirm-go');
    await page.locator('#notice.ok').waitFor();
    await page.locator('#gate.alarm').waitFor();
    expect(await page.locator('#gate-state').textContent()).toContain('“pausing <everything>”');
    const calls = s.world.fake.postCalls().length;
    await s.world.producer.submit(post('held-1', 'held while closed', 'personal'));
    await page.screenshot({ path: join(OUTPUT, 'gate-closed-1280.png'), fullPage: true });
    await new Promise((r) => setTimeout(r, 1500));
    expect(s.world.fake.postCalls().length).toBe(calls);
    expect(s.world.auditLines().some((a) => a.action === 'gate_changed')).toBe(true);

    await page.click('#gate-open');
    await page.fill('#gate-reason', 'resume');
    await page.click('#gate-confirm-go');
    await page.locator('#receipts-body tr[data-key="held-1"] a').waitFor({ timeout: 10_000 });
    expect(s.world.fake.postsWithText('held while closed')).toHaveLength(1);
  });

  it('cancels a scheduled intent and filters receipts', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await s.world.producer.submit(post('sched-1', 'tomorrow maybe', 'personal', { notBefore: later }));
    const item = page.locator('#scheduled-list article', { hasText: 'sched-1' });
    await item.waitFor();
    await item.locator('button', { hasText: 'Cancel' }).click();
    await item.waitFor({ state: 'detached' });
    expect(await page.textContent('#scheduled-list')).toMatch(/Nothing is scheduled/);

    await page.selectOption('#f-status', 'failed');
    await waitFor(
      async () => (await page.locator('#receipts-body tr').count()) === 1,
      'only failed receipts',
      5000,
    );
    expect(await page.locator('#receipts-body tr').first().getAttribute('data-key')).toBe('dl-1');
    await page.selectOption('#f-status', '');
    await page.locator('#receipts-body tr[data-key="launch-xss"]').waitFor();
  });

  it('looks right at laptop and phone widths (screenshots)', async () => {
    await s.world.producer.submit(
      post(
        'launch-2026-11-24',
        'We are live: agent-ops 1.0.\nEvery post approved by a person, carried out once, with a receipt.',
      ),
    );
    await page.locator('#approvals-list article', { hasText: 'launch-2026-11-24' }).waitFor();
    await page.evaluate('document.getElementById("notice").hidden = true; window.scrollTo(0, 0)');
    await page.screenshot({ path: join(OUTPUT, 'overview-1280.png'), fullPage: true });
    await page.screenshot({ path: join(OUTPUT, 'top-1280.png') });
    // The README's picture is committed; UPDATE_DOCS=1 refreshes it, so a test run leaves the tree clean.
    if (process.env.UPDATE_DOCS === '1') {
      mkdirSync(DOCS, { recursive: true });
      copyFileSync(join(OUTPUT, 'top-1280.png'), join(DOCS, 'dashboard.png'));
    }
    const phone = await s.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const cookies = await context.cookies();
    await phone.addCookies(cookies);
    const p = await phone.newPage();
    await p.goto(`${s.url}/`);
    await p.waitForSelector('body[data-ready="1"]');
    const overflow = await p.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await p.screenshot({ path: join(OUTPUT, 'overview-390.png'), fullPage: true });
    await phone.close();
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(await page.textContent('#accounts-body')).toMatch(/antifund.*post: \d+ of 20/s);
  });

  it('an account that needs a login shows so, with the reason and its held intents', async () => {
    // As an executor records them (runtime account-health.ts); the x-executor's reauth test
    // makes the same records through a real refusal.
    const k = channelKeys(s.world.prefix, 'x');
    const at = new Date().toISOString();
    const reason = "X refused the account's login (401): Unauthorized";
    await s.world.redis.hset(
      k.accounts,
      'lapsed',
      JSON.stringify({ status: 'needs_reauth', reason, since: at, checkedAt: at, by: 'test' }),
    );
    await s.world.redis.hset(k.held, 'held-by-login-1', JSON.stringify({ account: 'lapsed', since: at }));
    const row = page.locator('#accounts-body tr', { hasText: 'lapsed' });
    await row.locator('text=needs_reauth').waitFor();
    expect(await row.textContent()).toContain(reason);
    expect(await row.textContent()).toMatch(/1 held.*held-by-login-1/s);
    await s.world.redis.hdel(k.accounts, 'lapsed');
    await s.world.redis.hdel(k.held, 'held-by-login-1');
  });
});

describe("dashboard: an alert's approval link", () => {
  it('a GET changes nothing; a forged or expired link is refused', async () => {
    await s.world.producer.submit(post('link-get', 'only looked at'));
    const link = approvalLink(s.url, LINK_KEY, {
      channel: 'x',
      key: 'link-get',
      expiresAt: Date.now() + 3_600_000,
    });
    const { cookie } = await loginHttp(s.url);
    expect((await fetch(link, { headers: { cookie } })).status).toBe(200);
    const ref = link.split('/approve/')[1] as string;
    expect((await fetch(`${s.url}/api/approval/${ref}`, { headers: { cookie } })).status).toBe(200);
    expect((await s.world.producer.get('link-get')).record.state).toBe('pending_approval');
    const forged = approvalLink(s.url, 'another-key-another-key-another-key-0', {
      channel: 'x',
      key: 'link-get',
      expiresAt: Date.now() + 3_600_000,
    });
    expect((await fetch(forged, { headers: { cookie } })).status).toBe(404);
    const expired = approvalLink(s.url, LINK_KEY, {
      channel: 'x',
      key: 'link-get',
      expiresAt: Date.now() - 1000,
    });
    expect((await fetch(expired, { headers: { cookie } })).status).toBe(410);
    // Without a session the link leads to the login, and back after it; never elsewhere.
    const anon = await fetch(link, { redirect: 'manual' });
    expect(anon.headers.get('location')).toBe(`/login?next=${encodeURIComponent(`/approve/${ref}`)}`);
    const evil = await fetch(`${s.url}/login?next=https://evil.example/`, {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(evil.headers.get('location')).toBe('/');
  });

  it('at 390 px: open the link, log in, approve with one tap; the post is made once', async () => {
    await s.world.producer.submit(post('link-1', 'approved from a phone'));
    const link = approvalLink(s.url, LINK_KEY, {
      channel: 'x',
      key: 'link-1',
      expiresAt: Date.now() + 3_600_000,
    });
    const phone = await s.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const p = await phone.newPage();
    p.setDefaultTimeout(8000);
    await p.goto(link);
    expect(new URL(p.url()).pathname).toBe('/login');
    await p.fill('#token', DASHBOARD_TOKEN);
    await p.click('button[type=submit]');
    await p.waitForSelector('body[data-ready="1"]');
    expect(p.url()).toBe(link);
    expect(await p.textContent('#approval-body .post-text')).toBe('approved from a phone');
    expect(await p.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(
      0,
    );
    await p.screenshot({ path: join(OUTPUT, 'approve-390.png'), fullPage: true });
    await p.click('button[data-action=approve]');
    await p.locator('#approval-state[data-state="succeeded"]').waitFor({ timeout: 15_000 });
    await p.screenshot({ path: join(OUTPUT, 'approved-390.png'), fullPage: true });
    expect(s.world.fake.postsWithText('approved from a phone')).toHaveLength(1);
    await phone.close();
  });
});
