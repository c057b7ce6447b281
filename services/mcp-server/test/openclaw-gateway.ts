import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { waitFor } from '@agent-ops/testkit/wait';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
/** Where .ci/run installs the pinned OpenClaw, outside the workspace's own install. */
export const OPENCLAW_BIN = join(ROOT, '.tools', 'openclaw', 'node_modules', '.bin', 'openclaw');
export const OPENCLAW_VERSION = readFileSync(join(ROOT, '.ci', 'openclaw.version'), 'utf8').trim();

/** Whether the pinned version is installed where the tests look for it. */
export function openclawInstalled(): boolean {
  if (!existsSync(OPENCLAW_BIN)) return false;
  const pkg = join(ROOT, '.tools', 'openclaw', 'node_modules', 'openclaw', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version === OPENCLAW_VERSION;
}

export type Run = { code: number | null; stdout: string; stderr: string };

/** The gateway's environment: its own HOME, Node 24 and the ops wrapper on PATH. */
export function gatewayEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: home,
    // System directories first, where this machine's node is 20: ops and agent-ops-mcp (the
    // wrappers in ~/.local/bin) must not depend on which node PATH finds.
    PATH: ['/usr/local/bin', '/usr/bin', '/bin', join(home, '.local', 'bin'), dirname(process.execPath)].join(
      ':',
    ),
    // No update checks, no telemetry, no colour codes in what the tests read.
    NO_COLOR: '1',
    CI: 'true',
    ...extra,
  };
}

/** Runs the openclaw CLI to its end (each invocation loads the whole CLI: seconds, not ms). */
export function openclaw(args: string[], env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, [OPENCLAW_BIN, ...args], { env, cwd: env.HOME });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** The first JSON value in a CLI's output (the CLI may print a banner line before it). */
export function jsonOf(text: string): unknown {
  const start = text.search(/^[{[]/m);
  if (start < 0) throw new Error(`no JSON in: ${text.slice(0, 500)}`);
  return JSON.parse(text.slice(start));
}

/** `openclaw gateway run` in the foreground, in its own process group, ready once its HTTP server listens. */
export class GatewayProcess {
  private child: ChildProcess | null = null;
  log = '';

  async start(env: Record<string, string>, timeoutMs = 120_000): Promise<void> {
    const child = spawn(process.execPath, [OPENCLAW_BIN, 'gateway', 'run'], {
      env,
      cwd: env.HOME,
      detached: true,
    });
    this.child = child;
    const collect = (c: Buffer) => {
      this.log += c.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    // It took 15 to 27 s here to load its plugins before the HTTP server (hooks included) listens.
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`the gateway exited ${child.exitCode}:\n${this.log}`);
        return /http server listening/.test(this.log);
      },
      'the gateway to listen',
      timeoutMs,
      200,
    );
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
