import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { waitForGreeting } from './greeting.ts';
import { type RunAs, unprivilegedUser } from './unprivileged.ts';
import { waitFor } from './wait.ts';

/** Debian's python3-aiosmtpd lives in the system Python, whatever `python3` comes first on PATH. */
const PYTHON = process.env.AIOSMTPD_PYTHON ?? '/usr/bin/python3';
const HANDLER_SOURCE = join(import.meta.dirname, '..', 'python', 'agent_ops_smtp.py');

/**
 * The handler, copied where the unprivileged server can read it: a checkout may sit below a
 * folder only its owner can enter (a CI clone in `mktemp -d`, mode 0700).
 */
function readableHandlerDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aiosmtpd-handler-'));
  chmodSync(dir, 0o755);
  copyFileSync(HANDLER_SOURCE, join(dir, 'agent_ops_smtp.py'));
  chmodSync(join(dir, 'agent_ops_smtp.py'), 0o644);
  return dir;
}

export type AiosmtpdEvent = { kind: 'rcpt' | 'stored' | 'answered'; value: string; at: number };

export type Aiosmtpd = {
  readonly port: number;
  /** Every transaction event the server reported, in order. */
  readonly events: AiosmtpdEvent[];
  /** Message-IDs of the messages it accepted (stored once the final dot arrived), one per message. */
  stored(): string[];
  /**
   * Resolves once the message with this Message-ID is among `stored()`. The server prints its
   * "stored" line before it answers the final dot, but that line travels on another pipe than
   * the answer: a client can hold its 250 before this process has read the line.
   */
  whenStored(messageId: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the next event of this kind (past events do not count). */
  next(kind: AiosmtpdEvent['kind'], timeoutMs?: number): Promise<AiosmtpdEvent>;
  output(): string;
  stop(): Promise<void>;
};

export type AiosmtpdOptions = {
  /** File each accepted message into this Maildir (e.g. a dovecot user's Sent). */
  maildir?: string;
  /** Time before answering each RCPT TO, ms: a window before the final dot. */
  rcptDelayMs?: number;
  /** Time between storing a message and answering its final dot, ms: a window after it. */
  dataDelayMs?: number;
  /** Who the server runs as; must be the Maildir's owner when it files into one. */
  runAs?: RunAs;
};

export function aiosmtpdAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0;
}

/**
 * A real SMTP server nobody here wrote: aiosmtpd (`python3 -m aiosmtpd`, Debian's
 * python3-aiosmtpd) on a free loopback port, with the small handler in ../python that files
 * accepted messages into a Maildir and reports each transaction's progress. Ready when it greets.
 */
export async function startAiosmtpd(options: AiosmtpdOptions = {}): Promise<Aiosmtpd> {
  if (!aiosmtpdAvailable())
    throw new Error(`aiosmtpd not importable by ${PYTHON}: apt-get install python3-aiosmtpd`);
  const port = await freePort();
  const who = options.runAs ?? unprivilegedUser();
  const handlerDir = readableHandlerDir();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    PYTHONPATH: handlerDir,
    PYTHONUNBUFFERED: '1',
    AGENT_OPS_SMTP_RCPT_DELAY_MS: String(options.rcptDelayMs ?? 0),
    AGENT_OPS_SMTP_DATA_DELAY_MS: String(options.dataDelayMs ?? 0),
  };
  if (options.maildir) env.AGENT_OPS_SMTP_MAILDIR = options.maildir;
  // -n: no setuid of its own; the process already runs unprivileged.
  const child: ChildProcess = spawn(
    PYTHON,
    ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'agent_ops_smtp.SentFiler'],
    { env, uid: who.uid, gid: who.gid, cwd: handlerDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const events: AiosmtpdEvent[] = [];
  const waiters: Array<{ kind: AiosmtpdEvent['kind']; resolve: (e: AiosmtpdEvent) => void }> = [];
  let out = '';
  let partial = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^(rcpt|stored|answered) (.*)$/.exec(line.trim());
      if (!m) continue;
      const event = { kind: m[1] as AiosmtpdEvent['kind'], value: m[2] as string, at: Date.now() };
      events.push(event);
      for (const w of waiters.filter((x) => x.kind === event.kind)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = () =>
    child.exitCode !== null || child.signalCode !== null
      ? `${child.exitCode ?? child.signalCode}: ${out.slice(-2000)}`
      : null;
  try {
    await waitForGreeting(port, /^220 /m, 'aiosmtpd', gone);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    port,
    events,
    stored: () => events.filter((e) => e.kind === 'stored').map((e) => e.value),
    whenStored: async (messageId, timeoutMs = 10_000) => {
      await waitFor(
        () => events.some((e) => e.kind === 'stored' && e.value === messageId),
        `aiosmtpd to report ${messageId} stored`,
        timeoutMs,
        10,
      );
    },
    next: (kind, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`aiosmtpd: no "${kind}" in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          kind,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      }),
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
