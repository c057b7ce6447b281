import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { waitFor } from './wait.ts';

/** A private Radicale (Debian's `radicale`, a real CalDAV server) on a free port. */
export type RadicaleServer = {
  /** The server's root, e.g. http://127.0.0.1:5232/ (principals live at /<user>/). */
  readonly url: string;
  readonly dir: string;
  /** Creates a calendar collection (MKCALENDAR, RFC 4791 §5.3.1) and returns its URL. */
  makeCalendar(user: string, name: string, displayName?: string): Promise<string>;
  /**
   * What the server stores in a calendar, read from its storage folder (file name and ICS):
   * what exists, independent of any HTTP answer a test saw.
   */
  objects(user: string, calendar: string): Array<{ name: string; ics: string }>;
  stop(): Promise<void>;
};

export const NO_RADICALE_HELP =
  'No radicale for the CalDAV tests: install it (Debian/Ubuntu: apt-get install radicale; .ci/run does) or set RADICALE_BIN.';

export function radicaleBinary(): string | null {
  const bin = process.env.RADICALE_BIN ?? 'radicale';
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? bin : null;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts Radicale with its own storage folder and htpasswd users (plain passwords: a test
 * server on loopback), each allowed only their own calendars (`owner_only`), and waits until
 * it answers HTTP.
 */
export async function startRadicale(users: Record<string, string>): Promise<RadicaleServer> {
  const bin = radicaleBinary();
  if (!bin) throw new Error(NO_RADICALE_HELP);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'agent-ops-radicale-'));
  const htpasswd = join(dir, 'users');
  writeFileSync(
    htpasswd,
    Object.entries(users)
      .map(([u, p]) => `${u}:${p}\n`)
      .join(''),
    { mode: 0o600 },
  );
  const config = join(dir, 'config');
  writeFileSync(
    config,
    [
      '[server]',
      `hosts = 127.0.0.1:${port}`,
      '[auth]',
      'type = htpasswd',
      `htpasswd_filename = ${htpasswd}`,
      'htpasswd_encryption = plain',
      // Radicale waits about a second after a wrong password by default; tests check refusals.
      'delay = 0',
      '[rights]',
      'type = owner_only',
      '[storage]',
      `filesystem_folder = ${join(dir, 'collections')}`,
      '[web]',
      'type = none',
      '[logging]',
      'level = warning',
      '',
    ].join('\n'),
  );
  let output = '';
  const child = spawn(bin, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`radicale exited with ${child.exitCode}: ${output}`);
      // Any HTTP answer (401 without credentials) means it serves.
      return (
        (await fetch(url, { method: 'OPTIONS', signal: AbortSignal.timeout(1000) }).catch(() => null)) !==
        null
      );
    }, `radicale on port ${port}`);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const auth = (user: string) => `Basic ${Buffer.from(`${user}:${users[user]}`).toString('base64')}`;
  return {
    url,
    dir,
    makeCalendar: async (user, name, displayName = name) => {
      const collection = `${url}${user}/${name}/`;
      const res = await fetch(collection, {
        method: 'MKCALENDAR',
        headers: { authorization: auth(user), 'content-type': 'application/xml; charset=utf-8' },
        body: `<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:displayname>${displayName}</D:displayname>
    <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>`,
      });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`MKCALENDAR ${collection} answered ${res.status}`);
      return collection;
    },
    objects: (user, calendar) => {
      const folder = join(dir, 'collections', 'collection-root', user, calendar);
      return readdirSync(folder)
        .filter((name) => !name.startsWith('.Radicale'))
        .map((name) => ({ name, ics: readFileSync(join(folder, name), 'utf8') }));
    },
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited(child);
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
