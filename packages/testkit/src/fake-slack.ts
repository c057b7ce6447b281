import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.ts';

export type SlackPost = { path: string; text: string; body: Record<string, unknown>; at: number };

export type FakeSlackCall = {
  path: string;
  raw: string;
  at: number;
  acted: boolean;
  answer?: { status: number; body: string };
};

export type FakeSlackFault =
  /** 429 with Retry-After (seconds), Slack's rate limit for incoming webhooks. */
  | { kind: 'rate_limited'; retryAfterSec: number }
  | { kind: 'status'; status: number; body: string }
  | { kind: 'act_then_hang' }
  | { kind: 'act_then_drop' }
  | { kind: 'hold' };

/**
 * A Slack incoming webhook (and the Slack-compatible ones of Mattermost and Rocket.Chat) as
 * docs.slack.dev "Sending messages using incoming webhooks" describes its errors: `POST` of
 * JSON `{text, blocks?}` answers 200 with the plain-text body `ok`; failures are plain text
 * too: 400 `invalid_payload` (not JSON), 400 `no_text`, 403 `action_prohibited`, 404
 * `channel_not_found`, 404 `no_service` (the webhook was removed or never existed), 410
 * `channel_is_archived`, and 429 with Retry-After. Nothing can be read back through it.
 */
export class FakeSlack {
  readonly calls: FakeSlackCall[] = [];
  readonly posts: SlackPost[] = [];
  latencyMs = 0;
  outageUntil = 0;
  onAct: ((post: SlackPost) => void | Promise<void>) | null = null;
  url = '';
  /** Webhook paths whose channel is gone or archived. */
  readonly channelNotFound = new Set<string>();
  readonly archived = new Set<string>();
  private faults: FakeSlackFault[] = [];
  private readonly server = new LoopbackServer((req, res) => void this.handle(req, res));
  private readonly hooks: Set<string>;

  /** `hooks`: the webhook paths that exist, e.g. `/services/T000/B000/secret`. */
  constructor(hooks: string[]) {
    this.hooks = new Set(hooks);
  }

  async start(port = 0): Promise<this> {
    this.url = await this.server.listen(port);
    return this;
  }

  stop(): Promise<void> {
    return this.server.close();
  }

  inject(fault: FakeSlackFault, times = 1): void {
    for (let i = 0; i < times; i += 1) this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults = [];
  }

  to(path: string): SlackPost[] {
    return this.posts.filter((p) => p.path === path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const call: FakeSlackCall = { path, raw, at: Date.now(), acted: false };
    this.calls.push(call);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.faults.shift();
    if (fault?.kind === 'hold') return;
    if (!this.hooks.has(path)) return this.text(call, res, 404, 'no_service');
    if (req.method !== 'POST') return this.text(call, res, 405, 'invalid_request');
    if (Date.now() < this.outageUntil) return this.text(call, res, 503, 'service_unavailable');
    if (fault?.kind === 'rate_limited')
      return this.text(call, res, 429, 'rate_limited', { 'retry-after': String(fault.retryAfterSec) });
    if (fault?.kind === 'status') return this.text(call, res, fault.status, fault.body);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    } catch {
      return this.text(call, res, 400, 'invalid_payload');
    }
    const text = typeof body.text === 'string' ? body.text : '';
    if (!text && !Array.isArray(body.blocks)) return this.text(call, res, 400, 'no_text');
    if (this.channelNotFound.has(path)) return this.text(call, res, 404, 'channel_not_found');
    if (this.archived.has(path)) return this.text(call, res, 410, 'channel_is_archived');
    const post: SlackPost = { path, text, body, at: Date.now() };
    this.posts.push(post);
    call.acted = true;
    await this.onAct?.(post);
    if (fault?.kind === 'act_then_drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'act_then_hang') return;
    this.text(call, res, 200, 'ok');
  }

  private text(
    call: FakeSlackCall,
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ): void {
    call.answer = { status, body };
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  }
}
