import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runNode } from '@agent-ops/testkit/run-node';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function running(pattern: string): string {
  return spawnSync('pgrep', ['-af', pattern], { encoding: 'utf8' }).stdout.trim();
}

describe("pnpm start (the README's first command)", () => {
  it('brings up Redis, the fake X and an executor, carries out the demo intents, and leaves nothing running', async () => {
    const { code, output: out } = await runNode(join(root, 'scripts/start-local.ts'), ['--exit-when-done'], {
      env: { OPS_PREFIX: `demo${process.pid}` },
    });
    expect(code, out).toBe(0);
    expect(out).toMatch(/succeeded +launch-\S+ +https:\/\/x\.com\/antifund\/status\/\d+/);
    expect(out).toMatch(/rejected +stranger-\S+ +unknown_account/);
    expect(out).toMatch(/deadletter +invalid intent: .*idempotencyKey/);
    expect(out).toContain('X saw 2 post calls for 5 entries');
    const redisDir = /data in (\S+)\)/.exec(out)?.[1] as string;
    expect(running(redisDir)).toBe('');
    expect(running(`OPS_PREFIX=demo${process.pid}`)).toBe('');
  });

  it('stops everything on SIGINT', async () => {
    const child = spawn(process.execPath, [join(root, 'scripts/start-local.ts')], {
      env: { PATH: process.env.PATH ?? '', OPS_PREFIX: `demoint${process.pid}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no receipts:\n${out}`)), 20_000);
      child.stdout.on('data', () => {
        if (out.includes('succeeded')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const pid = /x-executor pid (\d+)/.exec(out)?.[1] as string;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(spawnSync('kill', ['-0', pid]).status).not.toBe(0);
    const redisDir = /data in (\S+)\)/.exec(out)?.[1] as string;
    expect(running(redisDir)).toBe('');
  });
});
