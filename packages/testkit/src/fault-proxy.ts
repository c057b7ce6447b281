import { type IncomingMessage, request, type ServerResponse } from 'node:http';
import { type FaultMatch, FaultRules } from './fault-rules.ts';
import { LoopbackServer } from './loopback-server.ts';

/** A fault for the next matching request through the proxy. */
export type ProxyFault =
  /** Hold the request and never pass it on: if the client goes away, the server never saw it. */
  | { kind: 'hold' }
  /** Pass it on, let the server act, then never answer (the client times out or is killed). */
  | { kind: 'act_then_hang' }
  /** Pass it on, let the server act, then destroy the connection without answering. */
  | { kind: 'act_then_drop' }
  /** Destroy the connection before passing anything on. */
  | { kind: 'drop' }
  /** Answer this status without passing the request on. */
  | { kind: 'status'; status: number; retryAfterSec?: number };

export type ProxyCall = {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
  /** What the server answered (absent when the request was held, dropped, or answered by a fault). */
  upstream?: { status: number; headers: Record<string, string>; body: string };
  /** The server carried out a write (a 2xx to PUT, DELETE, ...): an effect, answered or not. */
  acted: boolean;
  /** When the server's answer to that write came back (epoch ms). */
  actedAt?: number;
  /** What the client got, if anything. */
  answer?: { status: number };
};

const WRITES = new Set(['PUT', 'DELETE', 'POST', 'PATCH', 'MKCALENDAR', 'MOVE', 'COPY', 'PROPPATCH']);

/**
 * An HTTP proxy in front of a real server that cannot be told to fail (Radicale): it records
 * every call and injects the faults the fakes of the test kit inject, by the same rules
 * (FaultRules): hold a request, let the server act and then hang or drop the answer, answer an
 * outage (503 to every write until `outageUntil`) or a status of choice.
 */
export class FaultProxy {
  readonly calls: ProxyCall[] = [];
  /** Until this time (epoch ms) every write answers 503 without reaching the server. */
  outageUntil = 0;
  /** Called when a request arrives, before it is passed on: where a test lets a person act first. */
  onRequest: ((call: ProxyCall) => void | Promise<void>) | null = null;
  /**
   * What a test's hook threw, in order. The request is then answered 500 at once: a hook that
   * fails (an assertion about the server) must show as itself, not as a request left hanging.
   */
  readonly hookErrors: Error[] = [];
  /** Called after the server carried out a write, before the answer is passed back. */
  onAct: ((call: ProxyCall) => void | Promise<void>) | null = null;
  url = '';
  private readonly target: URL;
  private readonly faults: FaultRules<ProxyFault>;
  private readonly server = new LoopbackServer((req, res) => void this.handle(req, res));

  /** `defaults`: what `inject` matches when not told (for CalDAV: PUT on any object). */
  constructor(target: string, defaults: { method: string; path: RegExp } = { method: 'PUT', path: /./ }) {
    this.target = new URL(target);
    this.faults = new FaultRules(defaults);
  }

  async start(port = 0): Promise<this> {
    this.url = await this.server.listen(port);
    return this;
  }

  async stop(): Promise<void> {
    await this.server.close();
  }

  inject(fault: ProxyFault, match: FaultMatch = {}): void {
    this.faults.add(fault, match);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const call: ProxyCall = {
      method,
      path,
      headers: req.headers,
      body: body.toString('utf8'),
      at: Date.now(),
      acted: false,
    };
    this.calls.push(call);
    try {
      await this.onRequest?.(call);
    } catch (err) {
      this.hookErrors.push(err as Error);
      return this.answer(call, res, 500, {}, `the test's onRequest hook failed: ${(err as Error).message}`);
    }
    const fault = this.faults.take(method, path);
    if (fault?.kind === 'drop') return void req.socket.destroy();
    if (fault?.kind === 'hold') return;
    if (WRITES.has(method) && Date.now() < this.outageUntil) return this.answer(call, res, 503, {}, 'outage');
    if (fault?.kind === 'status') {
      const headers: Record<string, string> =
        fault.retryAfterSec !== undefined ? { 'retry-after': String(fault.retryAfterSec) } : {};
      return this.answer(call, res, fault.status, headers, `status ${fault.status}`);
    }
    let upstream: { status: number; headers: Record<string, string>; body: Buffer };
    try {
      upstream = await this.forward(req, body);
    } catch {
      return void req.socket.destroy();
    }
    call.upstream = {
      status: upstream.status,
      headers: upstream.headers,
      body: upstream.body.toString('utf8'),
    };
    if (WRITES.has(method) && upstream.status >= 200 && upstream.status < 300) {
      call.acted = true;
      call.actedAt = Date.now();
      await this.onAct?.(call);
    }
    if (fault?.kind === 'act_then_drop') return void req.socket.destroy();
    if (fault?.kind === 'act_then_hang') return;
    this.answer(call, res, upstream.status, upstream.headers, upstream.body);
  }

  private forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: this.target.host, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const up = request(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: req.method,
          path: req.url,
          headers,
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () => {
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(answer.headers)) {
              if (
                v !== undefined &&
                k !== 'connection' &&
                k !== 'transfer-encoding' &&
                k !== 'content-length'
              )
                out[k] = Array.isArray(v) ? v.join(', ') : v;
            }
            resolve({ status: answer.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
          });
          answer.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });
  }

  private answer(
    call: ProxyCall,
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: Buffer | string,
  ): void {
    call.answer = { status };
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { ...headers, 'content-length': buf.length });
    res.end(buf);
  }
}
