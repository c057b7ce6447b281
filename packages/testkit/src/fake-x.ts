import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeXMedia, parseMultipart } from './fake-x-media.ts';
import type { FakeXOAuth } from './fake-x-oauth.ts';
import { type FakeTweet, FakeXPosts, type FakeXUser, problem } from './fake-x-posts.ts';
import { type FaultMatch, FaultRules } from './fault-rules.ts';
import { LoopbackServer } from './loopback-server.ts';

export type { FakeTweet, FakeXUser } from './fake-x-posts.ts';
export type FakeXCall = {
  method: string;
  path: string;
  userId: string | null;
  at: number;
  body: unknown;
  /** What the fake answered (status and headers); absent when it dropped or hung. */
  answer?: { status: number; headers: Record<string, string> };
  /** The scripted fault this request got, if any. */
  fault?: FakeXFault['kind'];
  /** The request took effect (a post made, a post deleted), whatever became of its answer. */
  acted?: boolean;
};

/** A scripted fault for the next matching request. */
export type FakeXFault =
  /** An error answer; with `until`, sent only once that settles (a slow answer the test controls). */
  | { kind: 'status'; status: number; body?: unknown; until?: Promise<unknown> }
  | { kind: 'rate_limit'; resetInSec: number }
  /** Carry the request out, then destroy the socket without answering: the "unknown" case. */
  | { kind: 'act_then_drop' }
  /** Carry the request out and never answer (the client times out, or is killed meanwhile). */
  | { kind: 'act_then_hang' }
  /** Destroy the socket before doing anything. */
  | { kind: 'drop' }
  /** Hold the request without acting; if the client goes away, it never acts. */
  | { kind: 'hold' };

export type FakeXOptions = {
  /** Access token (OAuth 1.0a `oauth_token` or OAuth 2.0 bearer) -> the user it acts as. */
  users: Record<string, FakeXUser>;
  /** Answer delay for every request, ms. */
  latencyMs?: number;
  /** Per user and endpoint window of x-rate-limit headers; exceeding it answers 429. Off when omitted. */
  rateLimit?: { limit: number; windowSec: number };
  /** X's user-authentication endpoints (OAuth 2.0 token endpoint, consent, OAuth 1.0a PIN flow); none when omitted. */
  oauth?: FakeXOAuth;
};

/**
 * A fake of the X API v2 endpoints the x-executor uses, for the real twitter-api-v2 client:
 * POST /2/tweets, DELETE /2/tweets/:id, GET /2/users/me, GET /2/users/:id/tweets, and the v2
 * chunked media upload under /2/media/ (fake-x-media.ts).
 * It records every call, answers with X's status codes, headers and problem bodies, renders
 * text as X does (t.co links, `&<>` escaped, reply mentions: x-render.ts), and can be told to
 * be slow, fail, rate limit, run out of credits, or act and then drop the connection.
 */
export class FakeX {
  readonly calls: FakeXCall[] = [];
  latencyMs: number;
  /** Until this time (epoch ms) every POST answers 503: an outage, as opposed to a counted fault. */
  outageUntil = 0;
  /**
   * Pay-per-use credits are used up: every request answers 402 with X's credits-depleted
   * problem (koala73/worldmonitor#7156; docs.x.com "x-api/getting-started/pricing"), reads
   * included, since reads are billed too.
   */
  creditsDepleted = false;
  /** Called when a request has taken effect, before it is answered: where a test can crash things. */
  onAct: ((call: FakeXCall) => void | Promise<void>) | null = null;
  private readonly users: Record<string, FakeXUser>;
  /** Tokens refused as X refuses an expired or revoked one (401), until restored. */
  private readonly revoked = new Set<string>();
  private readonly rateLimit: FakeXOptions['rateLimit'];
  readonly oauth: FakeXOAuth | null;
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly faults = new FaultRules<FakeXFault>({ method: 'POST', path: /^\/2\/tweets$/ });
  private readonly posts: FakeXPosts;
  /** The chunked media upload (fake-x-media.ts): its uploads, and knobs for processing and expiry. */
  readonly media = new FakeXMedia();
  private readonly server = new LoopbackServer((req, res) => void this.handle(req, res));
  url = '';

  constructor(options: FakeXOptions) {
    this.users = options.users;
    this.posts = new FakeXPosts(options.users, {
      refuse: (user, ids) => this.media.refuseAttach(user, ids),
      info: (id) => this.media.info(id),
    });
    this.latencyMs = options.latencyMs ?? 0;
    this.rateLimit = options.rateLimit;
    this.oauth = options.oauth ?? null;
  }

  async start(port = 0): Promise<this> {
    this.url = await this.server.listen(port);
    return this;
  }

  async stop(): Promise<void> {
    await this.server.close();
  }

  /** The next `times` requests matching method and path get `fault`. */
  inject(fault: FakeXFault, match: FaultMatch = {}): void {
    this.faults.add(fault, match);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Live (not deleted) posts made from exactly this text: what a person would see on the timeline. */
  postsWithText(text: string): FakeTweet[] {
    return this.tweets.filter((t) => t.sourceText === text && !t.deleted);
  }

  /** A post the account made some other way (another app, a person), stored as X stores it. */
  seedPost(authorId: string, text: string): FakeTweet {
    return this.posts.seed(authorId, text);
  }

  /** Every post made, deleted ones included. */
  get tweets(): FakeTweet[] {
    return this.posts.tweets;
  }

  /** How long a new post stays out of timelines (see FakeXPosts.timelineLagMs). */
  get timelineLagMs(): number {
    return this.posts.timelineLagMs;
  }

  set timelineLagMs(ms: number) {
    this.posts.timelineLagMs = ms;
  }

  /**
   * The token stops working, as when its grant is revoked or an OAuth 2.0 access token
   * passes its 2 hours: every request with it answers 401 (docs.x.com "fundamentals/
   * authentication/oauth-2-0/authorization-code").
   */
  revokeToken(token: string): void {
    this.revoked.add(token);
  }

  /** The token works again: what a person's `ops login` amounts to, for a test. */
  restoreToken(token: string): void {
    this.revoked.delete(token);
  }

  postCalls(): FakeXCall[] {
    return this.calls.filter((c) => c.method === 'POST' && c.path === '/2/tweets');
  }

  private userOf(req: IncomingMessage): FakeXUser | null {
    const auth = req.headers.authorization ?? '';
    const bearer = /^Bearer (.+)$/.exec(auth)?.[1];
    const oauth = /oauth_token="([^"]+)"/.exec(auth)?.[1];
    const token = bearer ?? (oauth ? decodeURIComponent(oauth) : undefined);
    if (!token || this.revoked.has(token)) return null;
    // An OAuth 2.0 token of the token endpoint counts only while it is valid (expired or revoked: 401).
    return this.users[token] ?? (bearer ? this.oauth?.userOfBearer(bearer) : null) ?? null;
  }

  private rateHeaders(
    userId: string,
    endpoint: string,
  ): { headers: Record<string, string>; exceeded: boolean } {
    if (!this.rateLimit) return { headers: {}, exceeded: false };
    const key = `${userId}:${endpoint}`;
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + this.rateLimit.windowSec * 1000 };
      this.windows.set(key, w);
    }
    w.count += 1;
    const remaining = Math.max(0, this.rateLimit.limit - w.count);
    return {
      headers: {
        'x-rate-limit-limit': String(this.rateLimit.limit),
        'x-rate-limit-remaining': String(remaining),
        'x-rate-limit-reset': String(Math.ceil(w.resetAt / 1000)),
      },
      exceeded: w.count > this.rateLimit.limit,
    };
  }

  /** Reads and records one request. */
  private async readCall(
    req: IncomingMessage,
  ): Promise<{ call: FakeXCall; url: URL; user: FakeXUser | null; form: Map<string, Buffer> | null }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const raw = bytes.toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const user = this.userOf(req);
    let body: unknown = null;
    // A media chunk comes as multipart/form-data; the call log keeps its fields' sizes, not its bytes.
    const contentType = req.headers['content-type'] ?? '';
    const form = /^multipart\/form-data/i.test(contentType) ? parseMultipart(bytes, contentType) : null;
    try {
      body = form
        ? Object.fromEntries(
            [...form].map(([k, v]) => [k, k === 'media' ? `${v.length} bytes` : v.toString()]),
          )
        : raw
          ? JSON.parse(raw)
          : null;
    } catch {
      body = raw;
    }
    const call: FakeXCall = {
      method: req.method ?? 'GET',
      path: url.pathname,
      userId: user?.id ?? null,
      at: Date.now(),
      body,
    };
    this.calls.push(call);
    return { call, url, user, form };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { call, url, user, form } = await this.readCall(req);
    const { method, body } = call;
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.faults.take(method, url.pathname);
    if (fault) call.fault = fault.kind;
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hold') return;
    if (this.oauth?.handles(method, url.pathname)) {
      // twitter-api-v2 sends the token endpoint JSON (its form-encoding check never matches),
      // and X accepts it as it accepts the form its docs show: both are read the same way.
      const encoded =
        typeof body === 'string'
          ? body
          : body
            ? new URLSearchParams(body as Record<string, string>).toString()
            : '';
      const a = await this.oauth.answer(method, url, req.headers, encoded);
      if (a.status < 300 && method === 'POST') call.acted = true;
      if (fault?.kind === 'act_then_drop') return void req.socket.destroy();
      if (fault?.kind === 'act_then_hang') return;
      call.answer = { status: a.status, headers: a.headers ?? {} };
      const text = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
      res.writeHead(a.status, {
        'content-type': a.contentType ?? 'application/json; charset=utf-8',
        ...a.headers,
      });
      return void res.end(text);
    }
    if (!user) return this.send(call, res, 401, problem(401, 'Unauthorized', 'Unauthorized'));
    if (this.creditsDepleted) {
      const type = 'https://api.x.com/2/problems/credits-depleted';
      return this.send(call, res, 402, problem(402, 'Payment Required', 'credits depleted', type));
    }
    const rate = this.rateHeaders(user.id, `${method} ${url.pathname.replace(/\d+/g, ':id')}`);
    if (fault?.kind === 'rate_limit') {
      const reset = Math.ceil(Date.now() / 1000) + fault.resetInSec;
      return this.send(call, res, 429, problem(429, 'Too Many Requests', 'Too Many Requests'), {
        'x-rate-limit-limit': String(this.rateLimit?.limit ?? 200),
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(reset),
      });
    }
    if (method === 'POST' && Date.now() < this.outageUntil) {
      return this.send(call, res, 503, problem(503, 'Service Unavailable', 'Service Unavailable'));
    }
    if (fault?.kind === 'status') {
      await fault.until;
      const fallback = problem(fault.status, 'Service Unavailable', 'Service Unavailable');
      return this.send(call, res, fault.status, fault.body ?? fallback);
    }
    if (rate.exceeded) {
      return this.send(call, res, 429, problem(429, 'Too Many Requests', 'Too Many Requests'), rate.headers);
    }

    // Each v2 endpoint names the OAuth 2.0 scopes it needs (docs.x.com/x-api/media/upload:
    // `media.write`); a user token granted without it is refused with 403, whatever else it may do.
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const scopes = bearer ? this.oauth?.scopesOfBearer(bearer) : undefined;
    if (url.pathname.startsWith('/2/media/') && scopes && !scopes.includes('media.write')) {
      return this.send(call, res, 403, problem(403, 'Forbidden', 'Forbidden'));
    }
    const answer = url.pathname.startsWith('/2/media/')
      ? this.media.route(method, url, user, body, form)
      : this.route(method, url, user, body);
    if (answer.status < 300 && method !== 'GET') {
      call.acted = true;
      await this.onAct?.(call);
    }
    if (fault?.kind === 'act_then_drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'act_then_hang') {
      return;
    }
    this.send(call, res, answer.status, answer.body, rate.headers);
  }

  private route(method: string, url: URL, user: FakeXUser, body: unknown): { status: number; body: unknown } {
    const path = url.pathname;
    if (method === 'POST' && path === '/2/tweets') return this.posts.create(user, body);
    const del = /^\/2\/tweets\/(\d+)$/.exec(path);
    if (method === 'DELETE' && del) return this.posts.remove(user, del[1] as string);
    if (method === 'GET' && path === '/2/users/me') return { status: 200, body: { data: user } };
    const timeline = /^\/2\/users\/(\d+)\/tweets$/.exec(path);
    if (method === 'GET' && timeline) return this.posts.timeline(timeline[1] as string, url.searchParams);
    return { status: 404, body: problem(404, 'Not Found', `no route ${method} ${path}`) };
  }

  private send(
    call: FakeXCall,
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const json = JSON.stringify(body);
    call.answer = { status, headers };
    res.writeHead(status, {
      'content-type': status >= 400 ? 'application/problem+json' : 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(json),
      ...headers,
    });
    res.end(json);
  }
}
