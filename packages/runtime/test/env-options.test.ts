import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executorOptionsFromEnv } from '../src/env-options.ts';
import { compileOptions } from '../src/options.ts';

describe('executorOptionsFromEnv', () => {
  it('lets a variable that is set win over the config file, and leaves the rest to the file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'opts-')), 'config.json');
    writeFileSync(file, JSON.stringify({ concurrency: 8, leaseTtlMs: 9000 }));
    const options = executorOptionsFromEnv('x', {
      OPS_CONFIG_FILE: file,
      OPS_LEASE_TTL_MS: '2000',
      OPS_REDIS_AUTO_PIPELINING: '0',
      OPS_METRICS_PORT: '',
      OPS_ACCOUNT_CHECK_MS: '60000',
      OPS_REAUTH_CHECK_MS: '5000',
    });
    expect(options).toEqual({
      channel: 'x',
      concurrency: 8,
      leaseTtlMs: 2000,
      autoPipelining: false,
      accountCheckMs: 60_000,
      reauthCheckMs: 5000,
      redisUrl: 'redis://127.0.0.1:6379',
    });
    const { redisUrl: _, ...rest } = options;
    expect(compileOptions(rest).metricsPort).toBeNull();
  });

  it('names each bad variable with the bounds of its option', () => {
    expect(() =>
      executorOptionsFromEnv('x', {
        OPS_LEASE_TTL_MS: 'abc',
        OPS_CONCURRENCY: '0',
        OPS_METRICS_PORT: '65536',
        OPS_REDIS_AUTO_PIPELINING: 'off',
      }),
    ).toThrow(
      'OPS_LEASE_TTL_MS: expected an integer >= 1000, got "abc"; ' +
        'OPS_CONCURRENCY: expected an integer from 1 to 10000, got "0"; ' +
        'OPS_REDIS_AUTO_PIPELINING: expected 1 or 0 (or true or false), got "off"; ' +
        'OPS_METRICS_PORT: expected an integer from 0 to 65535, got "65536"',
    );
  });
});
