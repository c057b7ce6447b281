import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoopbackServer } from './loopback-server.ts';

/** An agent run the gateway started for an admitted hook. */
export type FakeHookRun = {
  runId: string;
  idempotencyKey: string | null;
  body: Record<string, unknown>;
  agentId: string;
  sessionKey: string;
  at: number;
};

/** One request as it arrived, with what became of it. */
export type FakeHookRequest = {
  path: string;
  auth: string | null;
  idempotencyKey: string | null;
  status: number;
  /** A repeated Idempotency-Key: answered from the first admission, no run started. */
  replayed: boolean;
  at: number;
};

export type FakeHookFault =
  | { kind: 'status'; status: number; retryAfterSec?: number }
  /** Admit the hook (start its run), then drop the connection before answering. */
  | { kind: 'admit_then_drop' };

/** The gateway's `hooks` settings that decide admission (OpenClaw's names). */
export type FakeHooksPolicy = {
  token: string;
  path?: string;
  defaultSessionKey?: string;
  allowRequestSessionKey?: boolean;
  allowedSessionKeyPrefixes?: string[];
  allowedAgentIds?: string[];
};

/**
 * A stand-in for an OpenClaw gateway's webhook surface (`POST /hooks/agent`), as its docs
 * describe it: the hook token as `Authorization: Bearer` or `x-openclaw-token` (401 otherwise),
 * `message` required, `agentId` and `sessionKey` checked against hooks.allowedAgentIds,
 * allowRequestSessionKey and allowedSessionKeyPrefixes (400 when refused), and a request
 * that repeats an `Idempotency-Key` replayed from the first admission without a second run.
 * Without the header every admitted request starts a run, as the real gateway does. It can be
 * stopped and started again on the same port (an outage), fail on purpose, or admit slowly.
 */
export class FakeOpenClawHooks {
  readonly runs: FakeHookRun[] = [];
  readonly requests: FakeHookRequest[] = [];
  /** Time to admit a hook; OpenClaw documents up to 15 s. */
  admissionMs = 0;
  policy: FakeHooksPolicy;
  url = '';
  private port = 0;
  private readonly answered = new Map<string, { status: number; body: string }>();
  private faults: FakeHookFault[] = [];
  private server: LoopbackServer | null = null;

  constructor(policy: FakeHooksPolicy) {
    this.policy = policy;
  }

  get hookUrl(): string {
    return `${this.url}${this.policy.path ?? '/hooks'}/agent`;
  }

  /** Starts (or starts again) on the same port as before, so clients find it where it was. */
  async start(): Promise<this> {
    this.server = new LoopbackServer((req, res) => void this.handle(req, res));
    this.url = await this.server.listen(this.port);
    this.port = Number(new URL(this.url).port);
    return this;
  }

  /** Stops listening: connections are refused until start() again. What it admitted is kept. */
  async stop(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }

  inject(...faults: FakeHookFault[]): void {
    this.faults.push(...faults);
  }

  runsFor(text: string): FakeHookRun[] {
    return this.runs.filter((r) => String(r.body.message).includes(text));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const key = header(req, 'idempotency-key');
    const record = (status: number, replayed = false) =>
      this.requests.push({
        path: req.url ?? '',
        auth: header(req, 'authorization'),
        idempotencyKey: key,
        status,
        replayed,
        at: Date.now(),
      });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record(status);
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };

    if (req.method !== 'POST' || req.url !== `${this.policy.path ?? '/hooks'}/agent`)
      return send(404, { ok: false, error: 'Not Found' });
    const bearer = header(req, 'authorization')?.replace(/^Bearer /, '') ?? header(req, 'x-openclaw-token');
    if (bearer !== this.policy.token) {
      // As the real gateway answers it: plain text, not JSON.
      record(401);
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' }).end('Unauthorized');
      return;
    }
    if (key) {
      const first = this.answered.get(key);
      if (first) {
        record(first.status, true);
        res.writeHead(first.status, { 'content-type': 'application/json' }).end(first.body);
        return;
      }
    }
    const fault = this.faults.shift();
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = fault.retryAfterSec
        ? { 'retry-after': String(fault.retryAfterSec) }
        : {};
      return send(fault.status, { ok: false, error: 'injected' }, headers);
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return send(400, { ok: false, error: 'invalid JSON body' });
    }
    const refusal = this.refusal(body);
    if (refusal) return send(400, { ok: false, error: refusal });

    if (this.admissionMs > 0) await sleep(this.admissionMs);
    const run: FakeHookRun = {
      runId: randomUUID(),
      idempotencyKey: key,
      body,
      agentId: typeof body.agentId === 'string' ? body.agentId : 'main',
      sessionKey:
        typeof body.sessionKey === 'string'
          ? body.sessionKey
          : (this.policy.defaultSessionKey ?? `hook:${randomUUID()}`),
      at: Date.now(),
    };
    this.runs.push(run);
    const answer = JSON.stringify({ ok: true, runId: run.runId });
    if (key) this.answered.set(key, { status: 200, body: answer });
    if (fault?.kind === 'admit_then_drop') {
      record(0);
      req.socket.destroy();
      return;
    }
    record(200);
    res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
  }

  private refusal(body: Record<string, unknown>): string | null {
    if (typeof body.message !== 'string' || body.message.trim() === '') return 'message required';
    const p = this.policy;
    const agentId = typeof body.agentId === 'string' ? body.agentId : 'main';
    if (p.allowedAgentIds && !p.allowedAgentIds.includes('*') && !p.allowedAgentIds.includes(agentId))
      return `agentId "${agentId}" is not allowed by hooks.allowedAgentIds`;
    if (body.sessionKey !== undefined) {
      if (typeof body.sessionKey !== 'string') return 'sessionKey must be a string';
      if (!p.allowRequestSessionKey) return 'sessionKey is not allowed (hooks.allowRequestSessionKey)';
      const prefixes = p.allowedSessionKeyPrefixes;
      if (prefixes && !prefixes.some((x) => (body.sessionKey as string).startsWith(x)))
        return 'sessionKey does not match hooks.allowedSessionKeyPrefixes';
    }
    return null;
  }
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' ? v : null;
}
