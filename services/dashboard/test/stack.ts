import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@agent-ops/runtime/logger';
import { launchChromium } from '@agent-ops/testkit/chromium';
import { freePort } from '@agent-ops/testkit/free-port';
import type { Browser } from 'playwright-core';
import { OPERATOR_TOKEN, World } from '../../coordinator/test/world.ts';
import { type DashboardConfig, type DashboardConfigInput, parseDashboardConfig } from '../src/config.ts';
import { Dashboard } from '../src/dashboard.ts';

export const DASHBOARD_TOKEN = 'dashboard-login-token-0123456789';
export const LINK_KEY = 'dashboard-test-link-key-0123456789abcdef';
export const OUTPUT = join(import.meta.dirname, '..', 'test-output');

/**
 * Read-only Redis user for the dashboard, as `pnpm redis-acl` makes it: read commands on this
 * test's keys only. Any write would be refused.
 */
export async function readOnlyUrl(w: World): Promise<string> {
  const user = `dash-${w.prefix}`;
  const password = `pw-${w.prefix}`;
  // The dashboard role of scripts/redis-acl-rules.ts: read commands on the prefix's keys, and what connecting needs.
  const rules = `%R~${w.prefix}:* +@read -@dangerous +hello +auth +ping +client|setname +client|getname +client|id +client|info +info +select +time`;
  await w.redis.call('ACL', 'SETUSER', user, 'reset', 'on', `>${password}`, ...rules.split(' '));
  const u = new URL(w.redisUrl);
  u.username = user;
  u.password = password;
  return u.toString();
}

export type Stack = {
  world: World;
  dashboard: Dashboard;
  url: string;
  browser: Browser;
  user: string;
  config: DashboardConfig;
};

export async function startStack(
  redisUrl: string,
  options: { dashboard?: Partial<DashboardConfigInput>; coordinator?: Record<string, unknown> } = {},
): Promise<Stack> {
  mkdirSync(OUTPUT, { recursive: true });
  // A cap on attempts, so that an intent X cannot be asked about parks within the test. The
  // tests inject faults one after another into this one executor; together they may (rightly)
  // open an account's breaker, and the default 30 s reset would outlast a test's wait for its
  // receipt. The breaker's own behaviour is proven by the conformance suite.
  const world = await new World(redisUrl).start(
    { maxRetries: 8, breaker: { resetTimeoutMs: 1000 } },
    options.coordinator,
  );
  const config = parseDashboardConfig({
    redisUrl: await readOnlyUrl(world),
    prefix: world.prefix,
    port: await freePort(),
    token: DASHBOARD_TOKEN,
    coordinatorUrl: world.coordinator.url,
    operatorToken: OPERATOR_TOKEN,
    refreshMs: 250,
    linkKey: LINK_KEY,
    accounts: { antifund: { rateLimits: { post: { points: 20, durationSec: 900 } } } },
    ...options.dashboard,
  });
  const dashboard = new Dashboard(config, createLogger('dashboard', 'silent'));
  const url = await dashboard.start();
  const browser = await launchChromium();
  return { world, dashboard, url, browser, user: `dash-${world.prefix}`, config };
}

export async function stopStack(s: Stack | undefined): Promise<void> {
  if (!s) return;
  await s.browser.close().catch(() => {});
  await s.dashboard.close();
  await s.world.redis.call('ACL', 'DELUSER', s.user).catch(() => {});
  await s.world.stop();
}

/** Logs in with the token (HTTP, no browser) and returns the session cookie and the page's CSRF token. */
export async function loginHttp(url: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: DASHBOARD_TOKEN }).toString(),
    redirect: 'manual',
  });
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  const page = await (await fetch(`${url}/`, { headers: { cookie } })).text();
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)?.[1] ?? '';
  return { cookie, csrf };
}
