import { ACTIONS } from '@agent-ops/contracts/channels';
import type { ServiceProcess } from '@agent-ops/testkit/processes';
import { waitFor } from '@agent-ops/testkit/wait';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OPERATOR_TOKEN, PRODUCER_TOKEN, World } from '../../coordinator/test/world.ts';
import { call, httpClient, stdioClient } from './mcp-client.ts';

type IntentRecordish = {
  idempotencyKey: string;
  state: string;
  receipt: { url?: string; status: string } | null;
};

let w: World;
let stdio: Client;
let http: { client: Client; server: ServiceProcess; url: string };

beforeAll(async () => {
  w = await new World(inject('redisUrl')).start();
  [stdio, http] = await Promise.all([
    stdioClient(w.coordinator.url, PRODUCER_TOKEN),
    httpClient(w.coordinator.url, PRODUCER_TOKEN, 'http-caller-token-0123456789'),
  ]);
}, 60_000);

afterAll(async () => {
  await stdio?.close();
  await http?.client.close();
  await http?.server.kill('SIGTERM');
  await w?.stop();
});

async function settled(client: Client, key: string): Promise<IntentRecordish> {
  return waitFor(async () => {
    const { value } = await call(client, 'get_intent_status', { key });
    const record = value.record as IntentRecordish;
    return ['succeeded', 'failed', 'rejected', 'unknown'].includes(record.state) ? record : undefined;
  }, `${key} to reach a terminal state`);
}

describe('the MCP server, driven by the SDK client', () => {
  it('over stdio: derives a key, submits, the x-executor posts once, and the receipt reads back', async () => {
    const payload = { text: 'posted through MCP over stdio' };
    const derived = await call(stdio, 'derive_idempotency_key', {
      account: 'personal',
      action: 'x.post',
      slug: 'mcp stdio launch',
      content: payload,
    });
    const key = derived.value.idempotencyKey as string;
    expect(key).toMatch(/^x\.post:personal:mcp-stdio-launch:[0-9a-f]{16}$/);

    const intent = { v: 1, idempotencyKey: key, action: 'x.post', account: 'personal', payload };
    const first = await call(stdio, 'submit_intent', intent);
    expect(first.isError, first.text).toBe(false);
    expect(first.value).toMatchObject({ created: true, record: { idempotencyKey: key } });

    const record = await settled(stdio, key);
    expect(record).toMatchObject({ state: 'succeeded', receipt: { status: 'succeeded' } });
    expect(record.receipt?.url).toMatch(/^https:\/\/x\.com\/me\/status\/\d+$/);
    expect(w.fake.postsWithText(payload.text)).toHaveLength(1);

    // A restarted agent submitting the same decision again: the existing record, no second post.
    const again = await call(stdio, 'submit_intent', intent);
    expect(again.value).toMatchObject({ created: false, record: { state: 'succeeded' } });
    expect(w.fake.postsWithText(payload.text)).toHaveLength(1);

    const listed = await stdio.listResources();
    expect(listed.resources.map((r) => r.uri)).toContain('receipts://x/recent');
    const read = await stdio.readResource({ uri: 'receipts://x/recent' });
    const first0 = read.contents[0];
    const receipts = JSON.parse(first0 && 'text' in first0 ? first0.text : '{}').receipts as Array<{
      receipt: { idempotencyKey: string; status: string };
    }>;
    expect(receipts[0]?.receipt).toMatchObject({ idempotencyKey: key, status: 'succeeded' });

    const list = await call(stdio, 'list_intents', { channel: 'x', state: 'succeeded', account: 'personal' });
    expect((list.value.records as IntentRecordish[]).map((r) => r.idempotencyKey)).toContain(key);
  });

  it('over streamable HTTP: submits, the executor posts, the receipt reads back; no token, no entry', async () => {
    const key = 'mcp-http-1';
    const submitted = await call(http.client, 'submit_intent', {
      v: 1,
      idempotencyKey: key,
      action: 'x.post',
      account: 'personal',
      payload: { text: 'posted through MCP over HTTP' },
    });
    expect(submitted.isError, submitted.text).toBe(false);
    const record = await settled(http.client, key);
    expect(record).toMatchObject({ state: 'succeeded', receipt: { status: 'succeeded' } });
    expect(w.fake.postsWithText('posted through MCP over HTTP')).toHaveLength(1);
    const read = await http.client.readResource({ uri: 'receipts://x/recent' });
    expect(JSON.stringify(read.contents)).toContain(key);

    const anonymous = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(anonymous.status).toBe(401);
  });

  it('answers a bad payload and a reused key with an error naming the field or the code', async () => {
    const bad = await call(stdio, 'submit_intent', {
      v: 1,
      idempotencyKey: 'mcp-bad-1',
      action: 'x.post',
      account: 'personal',
      payload: { txt: 'typo' },
    });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/payload\.text/);
    expect(bad.text).toMatch(/payload: unknown field txt|txt/);

    const long = await call(stdio, 'submit_intent', {
      v: 1,
      idempotencyKey: 'mcp-long-1',
      action: 'x.post',
      account: 'personal',
      payload: { text: '日本語'.repeat(50) },
    });
    expect(long.isError).toBe(true);
    expect(long.text).toContain('payload.text: is 300 characters as X counts them');

    const badKey = await call(stdio, 'submit_intent', {
      v: 1,
      idempotencyKey: 'has spaces',
      action: 'x.post',
      account: 'personal',
      payload: { text: 'x' },
    });
    expect(badKey.isError).toBe(true);
    expect(badKey.text).toMatch(/idempotencyKey/);

    const approvalSmuggled = await call(stdio, 'submit_intent', {
      v: 1,
      idempotencyKey: 'mcp-smuggle-1',
      action: 'x.post',
      account: 'antifund',
      payload: { text: 'x' },
      approval: { by: 'me' },
    });
    expect(approvalSmuggled.isError).toBe(true);
    expect(approvalSmuggled.text).toMatch(/approval/);

    await call(stdio, 'submit_intent', {
      v: 1,
      idempotencyKey: 'mcp-reuse-1',
      action: 'x.post',
      account: 'personal',
      payload: { text: 'first content' },
    });
    const reused = await call(stdio, 'submit_intent', {
      v: 1,
      idempotencyKey: 'mcp-reuse-1',
      action: 'x.post',
      account: 'personal',
      payload: { text: 'other content' },
    });
    expect(reused).toMatchObject({ isError: true, value: { error: { code: 'idempotency_key_reused' } } });
  });
});

describe('input schemas a client can check before calling', () => {
  const toolSchema = async (name: string) =>
    (await stdio.listTools()).tools.find((t) => t.name === name)?.inputSchema as Record<string, unknown>;

  it("submit_intent: every action's payload schema, so an independent validator names the failing field", async () => {
    const schema = await toolSchema('submit_intent');
    const text = JSON.stringify(schema);
    // `openclaw mcp probe --strict` warns about an untyped payload (additionalProperties: {}).
    expect(text).not.toContain('"additionalProperties":{}');
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
    expect(schema.properties).not.toHaveProperty('approval');
    const ifs = (schema.allOf as Array<{ if: { properties: { action: { const: string } } } }>).map(
      (b) => b.if.properties.action.const,
    );
    expect(ifs).toEqual([...ACTIONS]);
    // Formats are not what this checks (the patterns beside them are); no warning per format.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema);
    const good = {
      v: 1,
      idempotencyKey: 'k-1',
      action: 'x.post',
      account: 'personal',
      payload: { text: 'hi' },
    };
    expect(validate(good), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...good, payload: { txt: 'typo' } })).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain('/payload');
    expect(validate({ ...good, payload: { text: 7 } })).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain('/payload/text');
  });

  it('derive_idempotency_key: content is typed as a JSON value', async () => {
    const schema = await toolSchema('derive_idempotency_key');
    const content = (schema.properties as Record<string, { anyOf?: Array<{ type?: string }> }>).content;
    expect(content?.anyOf?.map((a) => a.type).sort()).toEqual([
      'array',
      'boolean',
      'null',
      'number',
      'object',
      'string',
    ]);
    expect(schema.required).toEqual(['account', 'action', 'slug', 'content']);
  });

  it('every refusal has one shape, a bad argument the SDK would have caught included', async () => {
    const badKey = await call(stdio, 'get_intent_status', { key: 'has spaces' });
    expect(badKey).toMatchObject({
      isError: true,
      value: { error: { code: 'invalid_input', issues: [{ field: 'key' }] } },
    });
    const noContent = await call(stdio, 'derive_idempotency_key', {
      account: 'a',
      action: 'x.post',
      slug: 's',
    });
    expect(noContent).toMatchObject({ isError: true, value: { error: { code: 'invalid_input' } } });
    const unknownField = await call(stdio, 'submit_intent', {
      v: 1,
      idempotencyKey: 'mcp-shape-1',
      action: 'x.post',
      account: 'personal',
      payload: { text: 'x' },
      colour: 'blue',
    });
    expect(unknownField).toMatchObject({ isError: true, value: { error: { code: 'invalid_intent' } } });
    expect(unknownField.text).toMatch(/colour/);
  });
});

describe('what the MCP server cannot do', () => {
  const operatorWords = /approve|reject|gate|resolve|replay|deadletter|audit|doctor/i;

  it('lists producer tools only, even when it was given an operator token', async () => {
    const expected = [
      'cancel_intent',
      'derive_idempotency_key',
      'get_intent_status',
      'list_intents',
      'list_pending_approvals',
      'submit_intent',
    ];
    const producerTools = (await stdio.listTools()).tools.map((t) => t.name).sort();
    expect(producerTools).toEqual(expected);
    const operatorClient = await stdioClient(w.coordinator.url, OPERATOR_TOKEN);
    try {
      const operatorTools = (await operatorClient.listTools()).tools.map((t) => t.name).sort();
      expect(operatorTools).toEqual(expected);
      for (const name of operatorTools) expect(name).not.toMatch(operatorWords);
      const refused = await operatorClient.callTool({ name: 'approve_intent', arguments: { key: 'x' } });
      expect(refused.isError).toBe(true);
    } finally {
      await operatorClient.close();
    }
    const submit = (await stdio.listTools()).tools.find((t) => t.name === 'submit_intent');
    expect(submit?.description).toContain('email.send');
    expect(JSON.stringify(submit?.inputSchema)).not.toContain('"approval"');
  });

  it('leaves an approval-gated intent pending_approval, whatever tools are called, until a person acts', async () => {
    const operatorClient = await stdioClient(w.coordinator.url, OPERATOR_TOKEN);
    try {
      const key = 'mcp-gated-1';
      const submitted = await call(operatorClient, 'submit_intent', {
        v: 1,
        idempotencyKey: key,
        action: 'x.post',
        account: 'antifund',
        payload: { text: 'needs a person' },
      });
      expect(submitted.value).toMatchObject({ record: { state: 'pending_approval' } });
      const pending = await call(stdio, 'list_pending_approvals');
      expect((pending.value.records as IntentRecordish[]).map((r) => r.idempotencyKey)).toContain(key);
      // Everything a client can call, called; then give an executor time to (wrongly) act.
      await call(operatorClient, 'get_intent_status', { key });
      await call(operatorClient, 'list_intents', { state: 'pending_approval' });
      await operatorClient.readResource({ uri: 'receipts://x/recent' });
      await new Promise((r) => setTimeout(r, 500));
      expect((await call(stdio, 'get_intent_status', { key })).value).toMatchObject({
        record: { state: 'pending_approval' },
      });
      expect(w.fake.postsWithText('needs a person')).toHaveLength(0);

      const cancelled = await call(stdio, 'cancel_intent', { key, reason: 'changed my mind' });
      expect(cancelled.value).toMatchObject({ record: { state: 'cancelled' } });
      expect(w.auditLines().some((l) => l.action === 'approved' && l.idempotencyKey === key)).toBe(false);
    } finally {
      await operatorClient.close();
    }
  });
});
