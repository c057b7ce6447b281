import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { post, World } from './world.ts';

type Hit = { auth: string | undefined; body: { message: string; name: string; wakeMode: string } };
const hits: Hit[] = [];
let failuresLeft = 1;
const gateway = createServer((req: IncomingMessage, res) => {
  let raw = '';
  req.on('data', (c: Buffer) => {
    raw += c.toString();
  });
  req.on('end', () => {
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      res.writeHead(503).end();
      return;
    }
    hits.push({ auth: req.headers.authorization, body: JSON.parse(raw) });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});

let w: World;
beforeAll(async () => {
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/hooks/agent`;
  w = await new World(inject('redisUrl')).start(
    {},
    { agentHook: { url, token: 'hooks-token-abc', receipts: 'problems' } },
  );
});
afterAll(async () => {
  await w.stop();
  gateway.close();
});

describe("receipts reported to OpenClaw's /hooks/agent", () => {
  it('reports failed, rejected and unknown receipts (not successes), retrying when the gateway fails', async () => {
    w.fake.inject({ kind: 'status', status: 400 });
    await w.producer.submit(post('hook-fail', 'refused by X', 'personal'));
    await w.producer.submit(post('hook-ok', 'fine', 'personal'));
    await w.producer.submit(post('hook-nope', 'rejected by a person'));
    await w.operator.reject('hook-nope', 'not today');
    const got = await waitFor(() => (hits.length >= 2 ? hits : undefined), 'two reports', 20_000);
    expect(
      got.every(
        (h) =>
          h.auth === 'Bearer hooks-token-abc' && h.body.name === 'agent-ops' && h.body.wakeMode === 'now',
      ),
    ).toBe(true);
    const message = (key: string) =>
      got.map((h) => h.body.message).find((m) => m.includes(`(idempotencyKey ${key})`));
    expect(message('hook-fail')).toMatch(/failed: http_400.*needs a new idempotencyKey/);
    expect(message('hook-nope')).toMatch(/rejected: rejected_by_person: not today/);
    await new Promise((r) => setTimeout(r, 500));
    expect(hits.some((h) => h.body.message.includes('hook-ok'))).toBe(false);
    expect(failuresLeft).toBe(0);
  });
});
