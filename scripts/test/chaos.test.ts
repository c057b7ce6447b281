import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('pnpm chaos, CI-sized', () => {
  it('1,000 intents across every channel, 5 SIGKILLs, a Redis restart and injected faults: no violation', async () => {
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'chaos', 'run.ts')], {
      env: {
        PATH: process.env.PATH ?? '',
        CHAOS_INTENTS: '1000',
        CHAOS_KILLS: '5',
        CHAOS_DEADLINE_MS: '180000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).toMatch(/^\| all \| 1000 \| \d+ \| \d+ \| 0 \| 0 \| \d+ \| 0 \| 0 \| 0 \| 0 \|$/m);
    expect(out).toContain('5 SIGKILLs');
    expect(out).toMatch(/secrets scan: [1-9]\d* log lines and [1-9]\d* stream entries, 0 hits/);
    expect(out).toContain('no violations');
  }, 240_000);
});
