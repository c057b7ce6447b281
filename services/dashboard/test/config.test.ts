import { describe, expect, it } from 'vitest';
import { loadDashboardConfig } from '../src/config.ts';

describe('dashboard config', () => {
  it('reads the environment, with defaults', () => {
    const c = loadDashboardConfig({
      DASHBOARD_TOKEN: 'a-login-token-of-16+',
      OPS_OPERATOR_TOKEN: 'operator-token-0123456789abcdef',
      OPS_PREFIX: 'demo',
    });
    expect(c).toMatchObject({
      port: 7500,
      prefix: 'demo',
      redisUrl: 'redis://127.0.0.1:6379',
      coordinatorUrl: 'http://127.0.0.1:7400',
      secureCookie: false,
    });
  });

  it('names the variable that is missing and never echoes a value', () => {
    expect(() => loadDashboardConfig({ DASHBOARD_TOKEN: 'short-secret' })).toThrow(
      /token \(DASHBOARD_TOKEN\): must be at least 16 characters.*operatorToken \(OPS_OPERATOR_TOKEN\)/,
    );
    expect(() => loadDashboardConfig({ DASHBOARD_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
  });

  it('DASHBOARD_TRUST_PROXY: 1 trusts a proxy on this machine only; a list names the proxies', async () => {
    const { fastifyTrustProxy } = await import('@agent-ops/contracts/env');
    const base = {
      DASHBOARD_TOKEN: 'a-login-token-of-16+',
      OPS_OPERATOR_TOKEN: 'operator-token-0123456789abcdef',
    };
    expect(loadDashboardConfig(base).trustProxy).toBe(false);
    const one = loadDashboardConfig({ ...base, DASHBOARD_TRUST_PROXY: '1' }).trustProxy;
    expect(fastifyTrustProxy(one)).toEqual(['loopback']);
    const list = loadDashboardConfig({
      ...base,
      DASHBOARD_TRUST_PROXY: '10.0.0.5, 100.64.0.0/10',
    }).trustProxy;
    expect(fastifyTrustProxy(list)).toEqual(['10.0.0.5', '100.64.0.0/10']);
  });
});
