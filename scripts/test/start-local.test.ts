import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CHANNELS } from '@agent-ops/contracts/channels';
import { runNode } from '@agent-ops/testkit/run-node';
import { waitFor } from '@agent-ops/testkit/wait';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** The pids of the services the demo started, as it printed them. */
function pids(out: string): string[] {
  return [...out.matchAll(/^\S+ +pid (\d+)$/gm)].map((m) => m[1] as string);
}

function alive(pid: string): boolean {
  return spawnSync('kill', ['-0', pid]).status === 0;
}

function running(pattern: string): string {
  return spawnSync('pgrep', ['-af', pattern], { encoding: 'utf8' }).stdout.trim();
}

describe("pnpm start (the README's first command)", () => {
  it('brings up Redis, the fakes, the coordinator, every executor and the dashboard, carries out the demo intents, and leaves nothing running', async () => {
    const { code, output: out } = await runNode(join(root, 'scripts/start-local.ts'), ['--exit-when-done'], {
      env: { OPS_PREFIX: `demo${process.pid}` },
    });
    expect(code, out).toBe(0);
    for (const key of ['busy', 'hello'])
      expect(out).toMatch(new RegExp(`succeeded +${key}-\\S+ +https://x\\.com/me/status/\\d+`));
    expect(out).toMatch(/succeeded +welcome-\S+ +<\S+@acme\.example>/);
    expect(out).toMatch(/succeeded +standup-\S+ +https:\/\/www\.google\.com\/calendar\/event\?eid=/);
    expect(out).toMatch(/succeeded +deploy-\S+ +dep_\d+/);
    expect(out).toMatch(/deadletter +invalid intent: .*idempotencyKey/);
    expect(out).toMatch(/scheduled +later-/);
    expect(out).toMatch(/dashboard +http:\/\/127\.0\.0\.1:\d+ +login token: \S+/);
    expect(out).toMatch(/done: X saw 3 post calls; waiting for approval: launch-/);
    const redisDir = /data in (\S+)\)/.exec(out)?.[1] as string;
    expect(running(redisDir)).toBe('');
    for (const pid of pids(out)) expect(alive(pid), `pid ${pid}`).toBe(false);
  }, 120_000);

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
      const timer = setTimeout(() => reject(new Error(`no receipts in 90 s:\n${out}`)), 90_000);
      child.stdout.on('data', () => {
        if (out.includes('succeeded')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const started = pids(out);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    const code = await exited;
    // Counted after the SIGINT, so that a wrong count cannot leave the whole demo running.
    // The coordinator, one executor per channel of the contracts, the dashboard.
    expect(started.length).toBe(CHANNELS.length + 2);
    expect(code).toBe(0);
    for (const pid of started) await waitFor(() => !alive(pid), `pid ${pid} to exit`, 10_000);
    const redisDir = /data in (\S+)\)/.exec(out)?.[1] as string;
    expect(running(redisDir)).toBe('');
  }, 120_000);
});
