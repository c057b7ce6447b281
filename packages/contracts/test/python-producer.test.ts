import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { decodeIntentEntry } from '../src/codec.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
// Debian's python3 with its python3-redis and python3-jsonschema (.ci/run installs them), not
// whichever python3 comes first on PATH.
const PYTHON = '/usr/bin/python3';
const redis = redisClient(inject('redisUrl'));
afterAll(() => redis.quit());

function readmePython(): string {
  const section = README.slice(README.indexOf('## Writing an intent from any language'));
  const block = /```python\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('no python block in "Writing an intent from any language"');
  return block;
}

function run(script: string, prefix: string) {
  return spawnSync(PYTHON, ['-c', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', REDIS_URL: inject('redisUrl'), OPS_PREFIX: prefix },
  });
}

describe("the README's Python producer, on Debian 12's python3-redis and python3-jsonschema", () => {
  it('validates and appends an intent the contracts decode', async () => {
    const prefix = testPrefix('py');
    const out = run(readmePython(), prefix);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout.trim()).toMatch(/^\d+-\d+$/);
    const entries = await redis.xrange(`${prefix}:{x}:intents`, '-', '+');
    expect(entries).toHaveLength(1);
    const decoded = decodeIntentEntry((entries[0] as [string, string[]])[1], { channel: 'x' });
    expect(decoded.ok, decoded.ok ? '' : decoded.reason).toBe(true);
  });

  it('refuses a bad payload naming its path, and writes nothing', async () => {
    const prefix = testPrefix('py');
    const script = readmePython().replace(
      '"payload": {"text": "hello from Python"}',
      '"payload": {"text": 42}',
    );
    expect(script).toContain('{"text": 42}');
    const out = run(script, prefix);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("invalid intent: $.payload.text: 42 is not of type 'string'");
    expect(await redis.exists(`${prefix}:{x}:intents`)).toBe(0);
  });
});
