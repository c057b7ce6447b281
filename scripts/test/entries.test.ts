import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHANNELS } from '@agent-ops/contracts/channels';
import { describe, expect, it } from 'vitest';
import { NODE_FLOOR } from '../../packages/runtime/node-floor.mjs';

const root = join(import.meta.dirname, '..', '..');
// Every service folder: a service added (a channel's executor) is checked without a list here.
const SERVICES = readdirSync(join(root, 'services'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'services', d.name, 'main.mjs')))
  .map((d) => d.name);
/** Every command a person runs, as a file and its arguments before --help. */
const ENTRIES: Array<[string, string[]]> = [
  ...SERVICES.map((s): [string, string[]] => [`services/${s}/main.mjs`, []]),
  ['services/coordinator/ops.mjs', []],
  ['scripts/start-local.ts', []],
  ['scripts/approval-keys.ts', []],
  ['scripts/redis-acl.ts', []],
  ['scripts/retention.ts', []],
  ['scripts/chaos/run.ts', []],
  ['scripts/measure-receipts-memory.ts', []],
  ['bench/run.ts', []],
];

function run(node: string, file: string, args: string[], cwd: string) {
  // No REDIS_URL and no secrets: an entry that reached for either would fail or hang here.
  return spawnSync(node, [join(root, file), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', REDIS_URL: 'redis://127.0.0.1:1', HOME: cwd },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('command-line entries', () => {
  it.each(ENTRIES)('%s --help prints its usage, exits 0 and writes nothing', (file, args) => {
    const cwd = mkdtempSync(join(tmpdir(), 'agent-ops-help-'));
    const r = run(process.execPath, file, [...args, '--help'], cwd);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^usage: /m);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('approval-keys refuses an option as a file name, and writes no key', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'agent-ops-help-'));
    const r = run(process.execPath, 'scripts/approval-keys.ts', ['--force'], cwd);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: pnpm approval-keys');
    expect(existsSync(join(cwd, '--force'))).toBe(false);
  });

  it('package.json engines states the floor the entries check', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${NODE_FLOOR}`);
  });

  // The machine's own Node (/usr/bin/node, older than the floor) is what a person meets when
  // the wrong `node` comes first on PATH.
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
    if (!existsSync(p)) return false;
    const v = spawnSync(p, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    const [major = 0, minor = 0] = v.split('.').map(Number);
    return major < 22 || (major === 22 && minor < 18);
  });
  it
    .skipIf(!oldNode)
    .each([...SERVICES.map((s) => `services/${s}/main.mjs`), 'services/coordinator/ops.mjs'])(
    'on an older Node, %s says which Node it needs instead of failing on .ts',
    (file) => {
      const cwd = mkdtempSync(join(tmpdir(), 'agent-ops-floor-'));
      const r = run(oldNode as string, file, [], cwd);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`needs Node ${NODE_FLOOR} or newer`);
      expect(r.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
    },
  );
});
