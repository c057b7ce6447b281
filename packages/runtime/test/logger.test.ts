import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = `
import { createLogger, lazyChild } from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'logger.ts'))};
const log = createLogger('t');
lazyChild(log, { idempotencyKey: 'k-1', intentId: '1-0' }).info({ creds: { appSecret: 'hunter2-secret', password: 'pw-123456' } }, 'hello');
`;

function run(env: Record<string, string>): string {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return r.stdout + r.stderr;
}

describe('logs', () => {
  it('are JSON lines carrying the idempotency key and entry id, with credentials redacted', () => {
    const line = JSON.parse(run({}).trim());
    expect(line).toMatchObject({
      name: 't',
      msg: 'hello',
      idempotencyKey: 'k-1',
      intentId: '1-0',
      creds: { appSecret: '[redacted]', password: '[redacted]' },
    });
  });

  it('print readably for a terminal with LOG_PRETTY=1, still redacted', () => {
    const out = run({ LOG_PRETTY: '1' });
    expect(out).toMatch(/INFO.*hello/);
    expect(out).toContain('k-1');
    expect(out).not.toContain('hunter2-secret');
    expect(() => JSON.parse(out.trim())).toThrow();
  });
});
