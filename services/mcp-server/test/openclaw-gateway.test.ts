// The real OpenClaw gateway (npm `openclaw`, the version in .ci/openclaw.version, installed by
// .ci/run into .tools/openclaw) set up with the README's lines as written: the skill is
// eligible, `openclaw mcp probe` lists the tools, and a coordinator's report through
// /hooks/agent is admitted once across a retry. Run alone with
//   npx vitest run services/mcp-server/test/openclaw-gateway.test.ts
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FaultProxy } from '@agent-ops/testkit/fault-proxy';
import { freePort } from '@agent-ops/testkit/free-port';
import { ScriptedModel } from '@agent-ops/testkit/scripted-model';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PRODUCER_TOKEN, post, World } from '../../coordinator/test/world.ts';
import { fencedBlocks, section } from './markdown-blocks.ts';
import {
  GatewayProcess,
  gatewayEnv,
  jsonOf,
  OPENCLAW_VERSION,
  openclaw,
  openclawInstalled,
  ROOT,
} from './openclaw-gateway.ts';

const README = section(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'Use it from OpenClaw');
const GATEWAY_TOKEN = 'gateway-token-0123456789abcdef';
const TURN = 'agent-ops-scripted-turn';
const EXEC_TEXT = 'posted by the agent through exec';
const MCP_TEXT = 'posted by the agent through MCP';
/**
 * The stand-in model's fixed tool calls: `ops submit` through exec, then submit_intent through
 * MCP (reached, as OpenClaw offers MCP tools by default, through its `tool_call` catalog tool).
 */
const model = new ScriptedModel(
  [
    {
      tool: /^exec$/,
      args: {
        command: `ops --version && ops submit --key gw-exec-1 --action x.post --account personal --text "${EXEC_TEXT}"`,
      },
    },
    {
      tool: /^tool_call$/,
      args: {
        id: 'agent-ops__submit_intent',
        args: {
          v: 1,
          idempotencyKey: 'gw-mcp-1',
          action: 'x.post',
          account: 'personal',
          payload: { text: MCP_TEXT },
        },
      },
    },
    { text: 'Both are submitted.' },
  ],
  new RegExp(TURN),
);
const json = fencedBlocks(README, 'json').map(
  (b) => JSON.parse(b) as Record<string, Record<string, unknown>>,
);
const block = (key: string) => {
  const found = json.find((j) => key in j);
  if (!found) throw new Error(`no README json block with "${key}"`);
  return found[key] as Record<string, unknown>;
};

// CI installs it; elsewhere the test says why it did not run instead of failing.
const installed = openclawInstalled();
if (!installed && process.env.CI)
  throw new Error(`OpenClaw ${OPENCLAW_VERSION} is not in .tools/openclaw; .ci/run installs it`);

function bash(script: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, env });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

describe.skipIf(!installed)(`the real OpenClaw gateway (${OPENCLAW_VERSION})`, () => {
  const home = mkdtempSync(join(tmpdir(), 'openclaw-gw-'));
  const gateway = new GatewayProcess();
  let w: World;
  let proxy: FaultProxy;
  let port = 0;
  let env: Record<string, string>;

  beforeAll(async () => {
    port = await freePort();
    await model.start();
    // Between the coordinator and the gateway, so a test can lose an answer the gateway sent.
    proxy = await new FaultProxy(`http://127.0.0.1:${port}`, {
      method: 'POST',
      path: /^\/hooks\/agent$/,
    }).start();
    const hooks = block('hooks');
    w = await new World(inject('redisUrl')).start(
      {},
      {
        agentHook: {
          ...block('agentHook'),
          url: `${proxy.url}/hooks/agent`,
          backoff: { baseMs: 200, maxMs: 1000 },
        },
      },
    );
    // A person's shell: Node 24 first, the producer token at hand; the README's lines as written.
    const shell = {
      HOME: home,
      PATH: [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
      OPS_TOKEN: PRODUCER_TOKEN,
    };
    const setup = fencedBlocks(README, 'bash').filter(
      (b) => b.startsWith('mkdir -p ~/.openclaw/skills') || b.startsWith('mkdir -p ~/.config/agent-ops'),
    );
    expect(setup).toHaveLength(2);
    for (const script of setup) {
      const run = await bash(script, shell);
      expect(run.code, run.out).toBe(0);
    }
    const coordinator = (value: unknown) =>
      JSON.parse(
        JSON.stringify(value)
          .replaceAll('http://127.0.0.1:7400', w.coordinator.url)
          .replaceAll('/opt/agent-ops', ROOT),
      );
    const config = {
      gateway: { mode: 'local', port, bind: 'loopback', auth: { mode: 'token', token: GATEWAY_TOKEN } },
      hooks,
      skills: coordinator(block('skills')),
      mcp: coordinator(block('mcp')),
      // Test scaffolding beyond the README: a model, the scripted stand-in on loopback.
      models: {
        mode: 'merge',
        providers: {
          stub: {
            baseUrl: `${model.url}/v1`,
            apiKey: 'stub-model-key',
            api: 'openai-completions',
            models: [
              {
                id: 'scripted',
                name: 'Scripted',
                reasoning: false,
                input: ['text'],
                cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
                contextWindow: 128_000,
                maxTokens: 4096,
              },
            ],
          },
        },
      },
      agents: { defaults: { model: { primary: 'stub/scripted' } } },
    };
    writeFileSync(join(home, '.openclaw', 'openclaw.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
    // The skill's token comes from the gateway's environment through the README's SecretRef.
    env = gatewayEnv(home, { OPS_PRODUCER_TOKEN: PRODUCER_TOKEN });
    await gateway.start(env);
  }, 180_000);

  afterAll(async () => {
    await gateway.stop();
    await proxy?.stop();
    await model.stop();
    await w?.stop();
  });

  it('shows the skill eligible: ops runnable, OPS_TOKEN (a SecretRef) and OPS_COORDINATOR_URL set', async () => {
    const run = await openclaw(['skills', 'info', 'agent-ops', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const info = jsonOf(run.stdout) as {
      eligible: boolean;
      missing: Record<string, string[]>;
      requirements: { bins: string[] };
    };
    expect(info.eligible).toBe(true);
    expect(Object.values(info.missing).flat()).toEqual([]);
    expect(info.requirements.bins).toEqual(['ops']);
  }, 60_000);

  it("finds no fault with the README's hooks block in `openclaw security audit` but the session-key trade-off it documents", async () => {
    const run = await openclaw(['security', 'audit', '--json'], env);
    const audit = jsonOf(run.stdout) as { findings: Array<{ checkId: string; severity: string }> };
    const hooks = audit.findings.filter((f) => f.checkId.startsWith('hooks.'));
    expect(hooks.map((f) => f.checkId)).toEqual(['hooks.request_session_key_enabled']);
    // The config the test wrote is 0600, as the README asks.
    expect(audit.findings.map((f) => f.checkId)).not.toContain('fs.config.perms_world_readable');
  }, 60_000);

  it('lists the six producer tools with `openclaw mcp probe`, the server started from the README entry', async () => {
    const run = await openclaw(['mcp', 'probe', 'agent-ops', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const probe = jsonOf(run.stdout) as { tools: string[]; diagnostics: unknown[] };
    for (const tool of [
      'submit_intent',
      'get_intent_status',
      'list_intents',
      'list_pending_approvals',
      'cancel_intent',
      'derive_idempotency_key',
    ])
      expect(probe.tools).toContain(`agent-ops__${tool}`);
    expect(probe.diagnostics).toEqual([]);
  }, 120_000);

  it("admits the coordinator's report once although its first answer was lost and it was sent again", async () => {
    // The gateway admits the first attempt, then the proxy drops the answer: the coordinator
    // cannot tell, and sends the report again with the same Idempotency-Key.
    proxy.inject({ kind: 'act_then_drop' });
    w.fake.inject({ kind: 'status', status: 400 });
    await w.producer.submit(
      post('gw-hook-once', 'refused by X, reported once', 'personal', {
        meta: { sessionKey: 'agent:main:main' },
      }),
    );
    const calls = await waitFor(
      () => {
        const mine = proxy.calls.filter((c) => c.body.includes('gw-hook-once'));
        return mine.some((c) => c.answer?.status === 200) ? mine : undefined;
      },
      'the report delivered after the lost answer',
      60_000,
    );
    expect(calls.length).toBeGreaterThanOrEqual(2);
    const keys = new Set(calls.map((c) => c.headers['idempotency-key']));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^agent-ops-/);
    // Every attempt reached the gateway and was answered 200 with the same run: one admission.
    const runIds = new Set(
      calls.map((c) => (JSON.parse(c.upstream?.body ?? '{}') as { runId?: string }).runId),
    );
    expect(calls.every((c) => c.upstream?.status === 200)).toBe(true);
    expect(runIds.size).toBe(1);
    expect([...runIds][0]).toMatch(/^[0-9a-f-]{36}$/);
    const body = JSON.parse(calls[0]?.body ?? '{}') as Record<string, string>;
    // Routed as the README's hooks block allows: its agent, the session that submitted the intent.
    expect(body).toMatchObject({ agentId: 'main', sessionKey: 'agent:main:main', name: 'agent-ops' });

    // Without the header the gateway starts a run per request: why every report carries one.
    const hookToken = (block('hooks') as { token: string }).token;
    const bare = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/hooks/agent`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hookToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'no key', name: 'agent-ops', agentId: 'main' }),
      });
      return ((await res.json()) as { runId: string }).runId;
    };
    expect(await bare()).not.toBe(await bare());
  }, 90_000);

  it('runs an agent turn whose model calls `ops submit` through exec and submit_intent through MCP: one post each', async () => {
    const run = await openclaw(
      [
        'agent',
        '--agent',
        'main',
        '--session-id',
        'gw-turn-1',
        '--message',
        `${TURN}: post both notes`,
        '--json',
        '--timeout',
        '150',
      ],
      env,
    );
    expect(run.code, `${run.stdout.slice(-2000)}\n${run.stderr}`).toBe(0);
    const scripted = model.calls.filter((c) => c.scripted);
    // exec ran the wrapper on its own Node, whatever node comes first on the gateway's PATH.
    const results = scripted.at(-1)?.toolResults ?? [];
    expect(results[0]).toContain(`(node ${process.versions.node} at ${process.execPath})`);
    expect(results[0]).toContain('submitted: gw-exec-1 is queued');
    expect(results[1]).toMatch(/gw-mcp-1/);
    expect(results[1]).not.toMatch(/invalid_intent|invalid_input|isError/);
    for (const text of [EXEC_TEXT, MCP_TEXT])
      await waitFor(() => w.fake.postsWithText(text).length === 1, `"${text}" posted`, 30_000);
    const records = await Promise.all(['gw-exec-1', 'gw-mcp-1'].map((k) => w.producer.get(k)));
    expect(records.map((r) => r.record.state)).toEqual(['succeeded', 'succeeded']);
    expect(w.fake.postsWithText(EXEC_TEXT)).toHaveLength(1);
    expect(w.fake.postsWithText(MCP_TEXT)).toHaveLength(1);
  }, 180_000);

  it('delivers every report queued while the gateway was stopped, once each, after it restarts', async () => {
    await gateway.stop();
    const keys = ['gw-outage-a', 'gw-outage-b', 'gw-outage-c'];
    for (const key of keys) {
      w.fake.inject({ kind: 'status', status: 400 });
      await w.producer.submit(post(key, `refused while the gateway is away: ${key}`, 'personal'));
    }
    const attempts = (key: string) => proxy.calls.filter((c) => c.body.includes(`(idempotencyKey ${key})`));
    // The old budget was 8 attempts; wait until every report has failed more often than that.
    await waitFor(
      () => keys.every((k) => attempts(k).length > 8),
      'each report past 8 failed attempts',
      60_000,
    );
    expect(keys.flatMap(attempts).every((c) => c.upstream === undefined)).toBe(true);
    await gateway.start(env);
    await waitFor(
      () => keys.every((k) => attempts(k).some((c) => c.answer?.status === 200)),
      'every report delivered after the restart',
      60_000,
    );
    for (const key of keys) {
      const answered = attempts(key).filter((c) => c.upstream?.status === 200);
      const runIds = new Set(
        answered.map((c) => (JSON.parse(c.upstream?.body ?? '{}') as { runId?: string }).runId),
      );
      expect(runIds.size, key).toBe(1);
      expect(new Set(attempts(key).map((c) => c.headers['idempotency-key'])).size, key).toBe(1);
    }
  }, 240_000);
});
