import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type NodeRun, runNode } from '@agent-ops/testkit/run-node';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OPERATOR_TOKEN, PRODUCER_TOKEN, World } from './world.ts';

const OPS = join(import.meta.dirname, '..', 'src', 'cli', 'ops.ts');
let w: World;

beforeAll(async () => {
  w = await new World(inject('redisUrl')).start();
});
afterAll(() => w.stop());

function ops(
  args: string[],
  options: { token?: string | null; stdin?: string; url?: string } = {},
): Promise<NodeRun> {
  const env: Record<string, string> = { OPS_COORDINATOR_URL: options.url ?? w.coordinator.url };
  if (options.token !== null) env.OPS_TOKEN = options.token ?? OPERATOR_TOKEN;
  return runNode(OPS, args, { env, stdin: options.stdin });
}

describe('the ops CLI, run as a process', () => {
  it('refuses an over-long post at submit with the count as X makes it (exit 2)', async () => {
    // 270 letters, a space and a 40-character link: 311 JavaScript characters, but a link counts 23: 294.
    const text = `${'a'.repeat(270)} https://example.com/${'p'.repeat(20)}`;
    const run = await ops(
      ['submit', '--key', 'cli-long', '--action', 'x.post', '--account', 'personal', '--text', text],
      {
        token: PRODUCER_TOKEN,
      },
    );
    expect(run.code).toBe(2);
    expect(run.output).toContain('payload.text: is 294 characters as X counts them');
    expect(run.output).toContain('at most 280 for account personal');
    const fits = `${'a'.repeat(250)} https://example.com/${'p'.repeat(200)}`;
    expect(
      (
        await ops(
          ['submit', '--key', 'cli-long-ok', '--action', 'x.post', '--account', 'personal', '--text', fits],
          { token: PRODUCER_TOKEN },
        )
      ).code,
    ).toBe(0);
  });

  it('submits from flags and from stdin, shows status as a table or JSON, and tails receipts', async () => {
    const a = await ops(
      ['submit', '--key', 'cli-1', '--action', 'x.post', '--account', 'personal', '--text', 'from the cli'],
      { token: PRODUCER_TOKEN },
    );
    expect(a).toMatchObject({ code: 0 });
    expect(a.stdout).toContain('submitted: cli-1 is queued');
    const intent = JSON.stringify({
      v: 1,
      idempotencyKey: 'cli-2',
      action: 'x.post',
      account: 'personal',
      payload: { text: 'from stdin' },
    });
    expect((await ops(['submit', '--file', '-'], { stdin: intent, token: PRODUCER_TOKEN })).code).toBe(0);
    await waitFor(
      async () => JSON.parse((await ops(['status', 'cli-2', '--json'])).stdout).state === 'succeeded',
      'cli-2 to succeed',
    );
    const table = await ops(['status', 'cli-1']);
    expect(table.stdout).toMatch(/^KEY +STATE +ACTION/);
    expect(table.stdout).toMatch(/cli-1 +succeeded +x\.post +personal/);
    const tail = await ops(['tail', '--channel', 'x', '--once']);
    expect(tail.stdout).toMatch(/succeeded +cli-1 +https:\/\/x\.com\/me\/status\/\d+/);
    const file = join(w.dir, 'intent.json');
    writeFileSync(file, intent);
    expect((await ops(['submit', '--file', file], { token: PRODUCER_TOKEN })).stdout).toContain(
      'already submitted: cli-2',
    );
  });

  it('approves with an operator token, and refuses a producer with exit 6', async () => {
    await ops(
      [
        'submit',
        '--key',
        'cli-gated',
        '--action',
        'x.post',
        '--account',
        'antifund',
        '--text',
        'gated by cli',
      ],
      { token: PRODUCER_TOKEN },
    );
    const denied = await ops(['approve', 'cli-gated'], { token: PRODUCER_TOKEN });
    expect(denied.code).toBe(6);
    expect(denied.stderr).toMatch(/needs an operator token/);
    const listed = await ops(['approvals', '--json']);
    expect(JSON.parse(listed.stdout).map((r: { idempotencyKey: string }) => r.idempotencyKey)).toContain(
      'cli-gated',
    );
    const ok = await ops(['approve', 'cli-gated', '--comment', 'ship it']);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toMatch(/approved: cli-gated is (queued|in_flight|succeeded)/);
  });

  it('answers bad input with exit 2 and a message naming the field', async () => {
    const bad = await ops([
      'submit',
      '--key',
      'has space',
      '--action',
      'x.post',
      '--account',
      'personal',
      '--text',
      't',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/idempotencyKey: must be 1 to 200 characters/);
    expect((await ops(['submit', '--key', 'k'])).stderr).toMatch(/--action is required/);
    expect((await ops(['gate', 'off'])).stderr).toMatch(/--reason is required/);
    expect((await ops(['frobnicate'])).code).toBe(2);
    expect((await ops(['list', '--state', 'done'])).stderr).toMatch(/--state: must be one of/);
    expect((await ops(['submit', '--file', '-'], { stdin: '{not json' })).stderr).toMatch(/not valid JSON/);
  });

  it('uses distinct exit codes for not found, key reuse, no token and an unreachable coordinator', async () => {
    expect((await ops(['status', 'no-such-key'])).code).toBe(3);
    await ops(['submit', '--key', 'reuse-1', '--action', 'x.post', '--account', 'personal', '--text', 'one']);
    const reuse = await ops([
      'submit',
      '--key',
      'reuse-1',
      '--action',
      'x.post',
      '--account',
      'personal',
      '--text',
      'two',
    ]);
    expect(reuse.code).toBe(4);
    expect(reuse.stderr).toMatch(/already used for a different intent/);
    expect((await ops(['list'], { token: null })).code).toBe(6);
    const down = await ops(['list'], { url: 'http://127.0.0.1:9' });
    expect(down.code).toBe(5);
    expect(down.stderr).toMatch(/cannot reach the coordinator/);
  });

  it('gate off and on, doctor, and the audit log', async () => {
    const off = await ops(['gate', 'off', '--scope', 'x', '--reason', 'cli test']);
    expect(off.stdout).toContain('gate x off: no effect is running');
    expect((await ops(['gate'])).stdout).toMatch(/x +open +CLOSED +cli test/);
    expect((await ops(['gate', 'on', '--scope', 'x', '--reason', 'cli test done'])).code).toBe(0);
    const doctor = await ops(['doctor', '--json']);
    const checks = JSON.parse(doctor.stdout) as Array<{ name: string; ok: boolean }>;
    expect(checks.find((c) => c.name === 'x executors')?.ok).toBe(true);
    expect(checks.find((c) => c.name === 'persistence')).toBeDefined();
    expect(checks.find((c) => c.name === 'redis transport')).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^plain TCP to 127\.0\.0\.1:\d+, on this host only/),
    });
    const audit = await ops(['audit', '--json']);
    expect(JSON.parse(audit.stdout).map((e: { action: string }) => e.action)).toContain('gate_changed');
  });
});
