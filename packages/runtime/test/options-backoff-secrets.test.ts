import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { backoffDelay } from '../src/backoff.ts';
import { compileOptions } from '../src/options.ts';
import { scrubSecrets } from '../src/scrub.ts';
import { loadSecretsFile } from '../src/secrets-file.ts';

describe('compileOptions', () => {
  it('applies defaults: 100 posts per 15 minutes, a unique consumer, reclaim at a third of the TTL', () => {
    const o = compileOptions({ channel: 'x', leaseTtlMs: 9000 });
    expect(o.defaultRateLimit).toEqual({ points: 100, durationSec: 900 });
    expect(o.reclaimIntervalMs).toBe(3000);
    expect(o.consumer).toMatch(/-\d+-[0-9a-f]{6}$/);
    expect(compileOptions({ channel: 'x' }).consumer).not.toBe(o.consumer);
  });

  it('names the field of each bad option', () => {
    expect(() => compileOptions({ channel: 'sms' as 'x' })).toThrow(/channel: /);
    expect(() => compileOptions({ channel: 'x', leaseTtlMs: 10 })).toThrow(/leaseTtlMs: .*1000/);
    expect(() =>
      compileOptions({
        channel: 'x',
        accounts: { antifund: { rateLimits: { post: { points: 0, durationSec: 1 } } } },
      }),
    ).toThrow(/accounts\.antifund\.rateLimits\.post\.points/);
  });
});

describe('backoffDelay', () => {
  const policy = { baseMs: 100, maxMs: 5000 };
  it('doubles per retry within [step/2, step] and never exceeds the cap', () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(50);
    expect(backoffDelay(0, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 0)).toBe(400);
    expect(backoffDelay(3, policy, () => 1)).toBe(800);
    expect(backoffDelay(30, policy, () => 1)).toBe(5000);
    expect(backoffDelay(30, policy, () => 0)).toBe(2500);
  });
});

describe('secrets', () => {
  const schema = z.object({
    accounts: z.record(z.string(), z.object({ x: z.object({ appSecret: z.string().min(8) }) })),
  });
  const write = (content: string, mode = 0o600) => {
    const path = join(mkdtempSync(join(tmpdir(), 'sec-')), 's.json');
    writeFileSync(path, content, { mode });
    return path;
  };

  it('refuses a file others can read, saying how to fix it', () => {
    expect(() => loadSecretsFile(write('{}', 0o644), schema)).toThrow(/mode 644.*chmod 600/);
  });

  it('names the invalid field and never echoes a value', () => {
    const path = write(JSON.stringify({ accounts: { antifund: { x: { appSecret: 'short' } } } }));
    let message = '';
    try {
      loadSecretsFile(path, schema);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/accounts\.antifund\.x\.appSecret: is too short or missing/);
    expect(message).not.toContain('short"');
    const bad = write('{"accounts": {"a": {"x": {"appSecret": 12345678}}}}');
    expect(() => loadSecretsFile(bad, schema)).toThrow(/appSecret: expected string/);
    expect(() => loadSecretsFile(write('{not json: "s3cr3t-value"'), schema)).toThrow(/is not valid JSON$/);
  });

  it('scrubs secret values, also URL-encoded, from text', () => {
    expect(scrubSecrets('token=ab/cd+ef and ab%2Fcd%2Bef', ['ab/cd+ef'])).toBe(
      'token=[redacted] and [redacted]',
    );
  });
});
