import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.ts';

export type FakeWebhookCall = {
  method: string;
  path: string;
  idempotencyKey: string | null;
  body: unknown;
  /** null when the endpoint has no HMAC secret configured here. */
  signatureValid: boolean | null;
  at: number;
  /** Whether this call carried out the hook (false for a replayed Idempotency-Key). */
  acted: boolean;
  answer?: { status: number };
};

export type FakeWebhookFault =
  | { kind: 'status'; status: number; retryAfterSec?: number }
  | { kind: 'act_then_drop' }
  | { kind: 'act_then_hang' }
  /** Hold the request without acting; if the client goes away, it never acts. */
  | { kind: 'hold' };

/**
 * A webhook receiver such as a deploy hook: it verifies the HMAC signature, carries out a
 * request once per Idempotency-Key and answers a repeated key with the first answer, as
 * Stripe-style APIs do.
 */
export class FakeWebhook {
  readonly calls: FakeWebhookCall[] = [];
  latencyMs = 0;
  outageUntil = 0;
  onAct: ((call: FakeWebhookCall) => void | Promise<void>) | null = null;
  url = '';
  private readonly seen = new Map<string, number>();
  private faults: FakeWebhookFault[] = [];
  private readonly server = new LoopbackServer((req, res) => void this.handle(req, res));
  private readonly hmacSecrets: Record<string, string>;

  /** `hmacSecrets`: path -> secret, for endpoints that sign. */
  constructor(hmacSecrets: Record<string, string> = {}) {
    this.hmacSecrets = hmacSecrets;
  }

  async start(port = 0): Promise<this> {
    this.url = await this.server.listen(port);
    return this;
  }

  async stop(): Promise<void> {
    await this.server.close();
  }

  inject(fault: FakeWebhookFault, times = 1): void {
    for (let i = 0; i < times; i += 1) this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Hooks carried out whose body has this `marker`. */
  actedWithMarker(marker: string): FakeWebhookCall[] {
    return this.calls.filter((c) => c.acted && (c.body as { marker?: unknown } | null)?.marker === marker);
  }

  private verify(path: string, headers: IncomingMessage['headers'], raw: string): boolean | null {
    const secret = this.hmacSecrets[path];
    if (!secret) return null;
    const ts = String(headers['x-agent-ops-timestamp'] ?? '');
    const given = Buffer.from(String(headers['x-agent-ops-signature'] ?? ''));
    const expected = Buffer.from(
      `sha256=${createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')}`,
    );
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
    let body: unknown = null;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    const call: FakeWebhookCall = {
      method: req.method ?? 'POST',
      path,
      idempotencyKey: key,
      body,
      signatureValid: this.verify(path, req.headers, raw),
      at: Date.now(),
      acted: false,
    };
    this.calls.push(call);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.faults.shift();
    if (fault?.kind === 'hold') return;
    if (call.signatureValid === false) return this.send(call, res, 401, { error: 'bad signature' });
    if (Date.now() < this.outageUntil) return this.send(call, res, 503, { error: 'unavailable' });
    if (fault?.kind === 'status') {
      const headers: Record<string, string> =
        fault.retryAfterSec !== undefined ? { 'retry-after': String(fault.retryAfterSec) } : {};
      return this.send(call, res, fault.status, { error: `status ${fault.status}` }, headers);
    }
    const replay = key ? this.seen.get(key) : undefined;
    if (replay !== undefined) return this.send(call, res, 200, { deployment: replay, replayed: true });
    const deployment = this.calls.filter((c) => c.acted).length + 1;
    call.acted = true;
    if (key) this.seen.set(key, deployment);
    await this.onAct?.(call);
    if (fault?.kind === 'act_then_drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'act_then_hang') return;
    this.send(call, res, 201, { deployment }, { 'x-request-id': `dep_${deployment}` });
  }

  private send(
    call: FakeWebhookCall,
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    call.answer = { status };
    const json = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(json),
      ...headers,
    });
    res.end(json);
  }
}
