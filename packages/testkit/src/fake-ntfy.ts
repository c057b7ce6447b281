import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.ts';

/**
 * A message as ntfy stores it. Shape from ntfy's publish and subscribe docs
 * (docs.ntfy.sh/publish, docs.ntfy.sh/subscribe/api): `{id, time, expires, event: "message",
 * topic, message, title?, priority?, tags?, click?}`; `time` is in epoch seconds.
 */
export type NtfyMessage = {
  id: string;
  time: number;
  expires: number;
  event: 'message';
  topic: string;
  message: string;
  title?: string;
  priority?: number;
  tags?: string[];
  click?: string;
};

export type FakeNtfyCall = {
  topic: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  at: number;
  /** Whether the message was published (kept in the topic's cache). */
  acted: boolean;
  answer?: { status: number };
};

export type FakeNtfyFault =
  | { kind: 'status'; status: number }
  | { kind: 'act_then_hang' }
  | { kind: 'act_then_drop' }
  /** Hold the request without acting; it never publishes. */
  | { kind: 'hold' };

const PRIORITIES: Record<string, number> = { min: 1, low: 2, default: 3, high: 4, max: 5, urgent: 5 };

function jsonBody(raw: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(raw) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

type MessageFields = Pick<NtfyMessage, 'message' | 'title' | 'priority' | 'tags' | 'click'>;

function fromHeaders(headers: Record<string, string>, body: string): MessageFields {
  return {
    message: body,
    ...(headers.title ? { title: headers.title } : {}),
    ...(headers.priority ? { priority: PRIORITIES[headers.priority] ?? Number(headers.priority) } : {}),
    ...(headers.tags ? { tags: headers.tags.split(',').map((t) => t.trim()) } : {}),
    ...(headers.click ? { click: headers.click } : {}),
  };
}

function fromJson(j: Record<string, unknown>): MessageFields {
  return {
    message: typeof j.message === 'string' ? j.message : '',
    ...(typeof j.title === 'string' ? { title: j.title } : {}),
    ...(typeof j.priority === 'number' ? { priority: j.priority } : {}),
    ...(Array.isArray(j.tags) ? { tags: j.tags.map(String) } : {}),
    ...(typeof j.click === 'string' ? { click: j.click } : {}),
  };
}

/** ntfy's error body, e.g. `{"code":40101,"http":401,"error":"unauthorized","link":...}`. */
function ntfyError(http: number, code: number, error: string) {
  return { code, http, error, link: 'https://ntfy.sh/docs/publish/' };
}

/**
 * An ntfy server (self-hosted or ntfy.sh) as the publish API behaves: `POST /<topic>` with the
 * message as body and `Title`, `Priority`, `Tags`, `Click` headers answers the stored message
 * as JSON; protected topics want `Authorization: Bearer <token>` (401/403 otherwise, JSON
 * error bodies); `GET /<topic>/json?poll=1&since=<unix>` lists cached messages as
 * newline-delimited JSON, which is how the executor finds an alert it may have sent.
 */
export class FakeNtfy {
  readonly calls: FakeNtfyCall[] = [];
  readonly messages: NtfyMessage[] = [];
  latencyMs = 0;
  outageUntil = 0;
  onAct: ((message: NtfyMessage) => void | Promise<void>) | null = null;
  url = '';
  private faults: FakeNtfyFault[] = [];
  private readonly server = new LoopbackServer((req, res) => void this.handle(req, res));
  /** topic -> access token it requires; other topics are open. */
  private readonly protectedTopics: Record<string, string>;

  constructor(protectedTopics: Record<string, string> = {}) {
    this.protectedTopics = protectedTopics;
  }

  async start(port = 0): Promise<this> {
    this.url = await this.server.listen(port);
    return this;
  }

  stop(): Promise<void> {
    return this.server.close();
  }

  inject(fault: FakeNtfyFault, times = 1): void {
    for (let i = 0; i < times; i += 1) this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults = [];
  }

  inTopic(topic: string): NtfyMessage[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  private authorized(topic: string, header: string | undefined): number {
    const token = this.protectedTopics[topic];
    if (!token) return 0;
    if (!header) return 401;
    return header === `Bearer ${token}` ? 0 : 403;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const parts = url.pathname.split('/').filter(Boolean);
    // Publishing as JSON (docs.ntfy.sh/publish "Publish as JSON"): POST / with {topic, message, ...}.
    const asJson = parts.length === 0 && req.method === 'POST' ? jsonBody(body) : null;
    const topic = asJson ? String(asJson.topic ?? '') : (parts[0] ?? '');
    const denied = this.authorized(topic, req.headers.authorization);
    if (req.method === 'GET' && parts[1] === 'json') {
      if (denied) return this.json(res, denied, ntfyError(denied, denied * 100 + 1, 'unauthorized'));
      if (Date.now() < this.outageUntil)
        return this.json(res, 503, ntfyError(503, 50301, 'service unavailable'));
      return this.poll(res, topic, url.searchParams.get('since'));
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const call: FakeNtfyCall = {
      topic,
      method: req.method ?? 'POST',
      headers,
      body,
      at: Date.now(),
      acted: false,
    };
    this.calls.push(call);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.faults.shift();
    if (fault?.kind === 'hold') return;
    if (req.method !== 'POST' && req.method !== 'PUT')
      return this.answer(call, res, 405, ntfyError(405, 40501, 'method not allowed'));
    if (!/^[-_A-Za-z0-9]{1,64}$/.test(topic))
      return this.answer(call, res, 400, ntfyError(400, 40010, 'invalid topic'));
    if (denied === 401) return this.answer(call, res, 401, ntfyError(401, 40101, 'unauthorized'));
    if (denied === 403) return this.answer(call, res, 403, ntfyError(403, 40301, 'forbidden'));
    if (Date.now() < this.outageUntil)
      return this.answer(call, res, 503, ntfyError(503, 50301, 'service unavailable'));
    if (fault?.kind === 'status') {
      const error = fault.status === 429 ? 'limit reached: too many requests' : `status ${fault.status}`;
      return this.answer(call, res, fault.status, ntfyError(fault.status, fault.status * 100 + 1, error));
    }
    if (parts.length === 0 && !asJson)
      return this.answer(call, res, 400, ntfyError(400, 40024, 'invalid request: body must be JSON'));
    const now = Math.floor(Date.now() / 1000);
    const fields = asJson ? fromJson(asJson) : fromHeaders(headers, body);
    const message: NtfyMessage = {
      id: randomBytes(6).toString('base64url'),
      time: now,
      expires: now + 43_200,
      event: 'message',
      topic,
      ...fields,
    };
    this.messages.push(message);
    call.acted = true;
    await this.onAct?.(message);
    if (fault?.kind === 'act_then_drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'act_then_hang') return;
    this.answer(call, res, 200, message);
  }

  /** `since` is a unix time in seconds, a duration like `10m`, or `all`. */
  private poll(res: ServerResponse, topic: string, since: string | null): void {
    let from = 0;
    if (since && /^\d+$/.test(since)) from = Number(since);
    else if (since && /^\d+[smh]$/.test(since)) {
      const n = Number(since.slice(0, -1));
      const unit = { s: 1, m: 60, h: 3600 }[since.slice(-1) as 's' | 'm' | 'h'];
      from = Math.floor(Date.now() / 1000) - n * unit;
    }
    const lines = this.inTopic(topic)
      .filter((m) => m.time >= from)
      .map((m) => `${JSON.stringify(m)}\n`)
      .join('');
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
    res.end(lines);
  }

  private answer(call: FakeNtfyCall, res: ServerResponse, status: number, body: unknown): void {
    call.answer = { status };
    this.json(res, status, body);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const json = `${JSON.stringify(body)}\n`;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  }
}
