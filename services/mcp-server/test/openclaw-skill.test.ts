import { spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deriveIdempotencyKey } from '@agent-ops/contracts/idempotency-key';
import { freePort } from '@agent-ops/testkit/free-port';
import { waitFor } from '@agent-ops/testkit/wait';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CoordinatorConfigSchema } from '../../coordinator/src/config.ts';
import { PRODUCER_TOKEN, World } from '../../coordinator/test/world.ts';
import { fencedBlocks, frontMatter, section } from './markdown-blocks.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SKILL_DIR = join(ROOT, 'skills', 'openclaw', 'agent-ops');
const SKILL = readFileSync(join(SKILL_DIR, 'SKILL.md'), 'utf8');
// README_FILE lets the section be checked before it is appended to the README.
const README = readFileSync(process.env.README_FILE ?? join(ROOT, 'README.md'), 'utf8');
const EXAMPLE_MCP = JSON.parse(
  readFileSync(join(ROOT, 'skills', 'openclaw', 'mcp-servers.example.json'), 'utf8'),
);

let w: World;
const home = mkdtempSync(join(tmpdir(), 'openclaw-home-'));
/**
 * What OpenClaw's `exec` gives the agent: the system directories first on PATH (where this
 * machine's Node is 20, too old for ops), then the wrapper's directory and Node 24's.
 */
const AGENT_PATH = () =>
  ['/usr/local/bin', '/usr/bin', '/bin', join(home, '.local', 'bin'), dirname(process.execPath)].join(':');
/** The person's shell that runs the README's install lines: Node 24 first, as the README asks. */
const USER_PATH = () => [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
const env = (path = AGENT_PATH()) => ({
  HOME: home,
  PATH: path,
  OPS_COORDINATOR_URL: w.coordinator.url,
  OPS_TOKEN: PRODUCER_TOKEN,
});

type Run = { code: number | null; stdout: string; stderr: string };

function bash(script: string, path?: string): Promise<Run> {
  const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, env: env(path) });
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

/** A command that serves until stopped: started in its own process group, checked, then stopped. */
async function runServer(script: string): Promise<void> {
  const port = await freePort();
  const child = spawn('bash', ['-c', script.replace('7401', String(port))], {
    cwd: ROOT,
    env: env(USER_PATH()),
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  try {
    await waitFor(() => stderr.includes('serving streamable HTTP'), `the HTTP server to start (${stderr})`);
    const client = new Client({ name: 'readme-check', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('submit_intent');
    await client.close();
  } finally {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  }
}

beforeAll(async () => {
  w = await new World(inject('redisUrl')).start();
});
afterAll(() => w?.stop());

describe('the OpenClaw skill', () => {
  it('has the front matter OpenClaw reads: name, one-line description, single-line JSON metadata', () => {
    const { raw, data } = frontMatter(SKILL);
    expect(data.name).toBe('agent-ops');
    expect(data.name).toMatch(/^[a-z0-9-]{1,64}$/);
    expect(typeof data.description).toBe('string');
    expect((data.description as string).length).toBeLessThan(160);
    // OpenClaw's embedded parser reads single-line keys only: metadata must be one line of JSON.
    const metadataLine = raw.split('\n').find((l) => l.startsWith('metadata: '));
    const metadata = JSON.parse(metadataLine?.slice('metadata: '.length) ?? 'null');
    expect(metadata).toEqual(data.metadata);
    const requires = metadata.openclaw.requires as Record<string, string[]>;
    expect(Object.keys(requires).every((k) => ['bins', 'anyBins', 'env', 'config'].includes(k))).toBe(true);
    // `ops` alone: the wrapper names its own Node, so which `node` PATH finds is beside the point.
    expect(requires.bins).toEqual(['ops']);
    expect(requires.env).toEqual(expect.arrayContaining(['OPS_TOKEN', 'OPS_COORDINATOR_URL']));
    expect(requires.env).toContain(metadata.openclaw.primaryEnv);
  });

  it('derives keys with its script exactly as the contracts do', async () => {
    const script = (await import(join(SKILL_DIR, 'scripts', 'derive-key.mjs'))) as {
      deriveIdempotencyKey: typeof deriveIdempotencyKey;
    };
    fc.assert(
      fc.property(
        fc.record({
          account: fc.string({ maxLength: 80, unit: 'grapheme' }),
          action: fc.string({ maxLength: 40 }),
          slug: fc.string({ maxLength: 200, unit: 'grapheme' }),
          content: fc.jsonValue(),
        }),
        (input) => {
          expect(script.deriveIdempotencyKey(input)).toBe(deriveIdempotencyKey(input));
        },
      ),
      { numRuns: 300 },
    );
    const readmeExample = {
      account: 'antifund',
      action: 'x.post',
      slug: 'launch announcement',
      content: { text: 'We launch on Monday.' },
    };
    expect(section(README, 'Use it from OpenClaw')).toContain(
      `is \`${deriveIdempotencyKey(readmeExample)}\``,
    );
  });

  it('every command of the README section and of SKILL.md runs against the world', async () => {
    const readme = section(README, 'Use it from OpenClaw');
    const baseDir = join(home, '.openclaw', 'skills', 'agent-ops');
    const blocks = [
      ...fencedBlocks(readme, 'bash').map((script) => ({ from: 'README', script })),
      ...fencedBlocks(SKILL, 'bash').map((script) => ({
        from: 'SKILL.md',
        script: script.replaceAll('{baseDir}', baseDir),
      })),
    ];
    expect(blocks.length).toBeGreaterThanOrEqual(9);
    const outputs: string[] = [];
    for (const { from, script } of blocks) {
      if (script.includes('serves until stopped')) {
        await runServer(script);
        continue;
      }
      const install = script.startsWith('mkdir -p ~/.openclaw/skills');
      const run = await bash(script, install ? USER_PATH() : AGENT_PATH());
      expect(run.code, `${from} block failed:\n${script}\n${run.stdout}\n${run.stderr}`).toBe(0);
      outputs.push(run.stdout);
      if (install) {
        expect(existsSync(join(baseDir, 'SKILL.md'))).toBe(true);
        const ops = join(home, '.local', 'bin', 'ops');
        expect(lstatSync(ops).isSymbolicLink()).toBe(false);
        expect(readFileSync(ops, 'utf8')).toContain(`exec '${process.execPath}'`);
      }
    }
    const all = outputs.join('\n');
    // `ops --version` (the skill's first step) ran on the wrapper's Node, not the PATH's first.
    expect(all).toContain(`(node ${process.versions.node} at ${process.execPath})`);
    expect(all).toContain('submitted: readme:openclaw-hello is queued');
    expect(all).toMatch(/submitted: x\.post:personal:launch-announcement-2026-11-24:[0-9a-f]{16} is queued/);
    expect(all).toContain('submitted: x.post:personal:weekly-digest-2026-w48 is queued');
    expect(all).toContain('exit 4'); // the same key with other words is refused
    expect(all).toContain('"idempotencyKey": "x.post:personal:weekly-digest-2026-w48"');
    expect(all).toContain('cancelled: x.post:personal:friday-teaser is cancelled');
    expect(all).toContain('submitted: x.thread:personal:integrations-2026-w48 is queued');

    // The executor carried each submitted post out once, and the cancelled one never.
    for (const text of [
      'hello from the README',
      'We launch on Monday.',
      'This week: three new integrations.',
      'Three new integrations this week. A thread:',
      '1. CalDAV calendars: iCloud, Fastmail, Nextcloud.',
      '2. Alerts through ntfy, Telegram and Slack.',
    ]) {
      await waitFor(() => w.fake.postsWithText(text).length === 1, `"${text}" to be posted`);
    }
    expect(w.fake.postsWithText('Different words')).toHaveLength(0);
    expect(w.fake.postsWithText('Something is coming on Friday.')).toHaveLength(0);
  });

  it('the JSON the README shows is valid, and the mcp.servers entry starts the server as written', async () => {
    const readme = section(README, 'Use it from OpenClaw');
    const jsons = fencedBlocks(readme, 'json').map((b) => JSON.parse(b) as Record<string, unknown>);
    const mcp = jsons.find((j) => 'mcp' in j);
    expect(mcp).toEqual(EXAMPLE_MCP);
    const hook = jsons.find((j) => 'agentHook' in j);
    expect(CoordinatorConfigSchema.shape.agentHook.parse(hook?.agentHook)).toMatchObject({
      receipts: 'problems',
    });
    const hooks = jsons.find((j) => 'hooks' in j)?.hooks as { token: string } | undefined;
    expect(hooks?.token).toBe((hook?.agentHook as { token: string } | undefined)?.token);

    const entry = EXAMPLE_MCP.mcp.servers['agent-ops'] as {
      command: string;
      args?: string[];
      env: Record<string, string>;
    };
    // The wrapper the README's install lines write (written here too when this test runs alone).
    if (!existsSync(join(home, '.local', 'bin', entry.command))) {
      const install = await bash(
        'node services/coordinator/ops.mjs install-cli --dir ~/.local/bin',
        USER_PATH(),
      );
      expect(install.code, install.stderr).toBe(0);
    }
    // The token file the README's block writes; no token in the entry, none in its env.
    expect(JSON.stringify(entry)).not.toContain(PRODUCER_TOKEN);
    const tokenFile = join(home, '.config', 'agent-ops', 'producer.token');
    if (!existsSync(tokenFile)) {
      mkdirSync(dirname(tokenFile), { recursive: true });
      writeFileSync(tokenFile, `${PRODUCER_TOKEN}\n`, { mode: 0o600 });
    }
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const client = new Client({ name: 'openclaw-like', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: entry.command,
        args: entry.args ?? [],
        env: {
          ...entry.env,
          HOME: home,
          // System directories first, as for exec: the wrapper names its Node, so /usr/bin/node does not matter.
          PATH: AGENT_PATH(),
          OPS_COORDINATOR_URL: w.coordinator.url,
        },
        stderr: 'pipe',
      }),
    );
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain('submit_intent');
      expect(tools.some((t) => /approve|gate|resolve|replay/.test(t))).toBe(false);
      // The token read from the file is accepted by the coordinator.
      const listed = await client.callTool({ name: 'list_intents', arguments: { limit: 1 } });
      expect(listed.isError, JSON.stringify(listed.content)).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});
