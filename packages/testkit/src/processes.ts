import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type ServiceProcess = {
  child: ChildProcess;
  /** Everything the process wrote, for assertions and for the failure message. */
  output(): string;
  /** Resolves when a log line contains `text`. */
  waitForLog(text: string, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/** Starts a service entry (a .ts file) with Node, as users run it, with its own environment. */
export function startService(
  entry: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): ServiceProcess {
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The service's name for messages: services/x-executor/main.mjs -> x-executor.
  const name = /services\/([^/]+)\//.exec(entry)?.[1] ?? entry;
  let out = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of [...waiters]) {
      if (out.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => out,
    exited,
    // Generous by default: a cold start on a loaded 2-core machine takes seconds, not ms.
    waitForLog: (text, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(text)) return resolve();
        const timer = setTimeout(
          () =>
            reject(new Error(`${name}: no log line with "${text}" in ${timeoutMs} ms:\n${out.slice(-3000)}`)),
          timeoutMs,
        );
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(
            new Error(`${name} exited (${code ?? signal}) before logging "${text}":\n${out.slice(-3000)}`),
          );
        });
      }),
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return (await exited).code;
    },
  };
}

/** Writes a secrets file readable by its owner only, as executors require. */
export function writeSecretsFile(secrets: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-ops-secrets-'));
  const path = join(dir, 'secrets.json');
  writeFileSync(path, JSON.stringify(secrets), { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}
