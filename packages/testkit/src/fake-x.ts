import type { IncomingMessage, ServerResponse } from 'node:http';
import { type FaultMatch, FaultRules } from './fault-rules.ts';
import { LoopbackServer } from './loopback-server.ts';

export type FakeXUser = { id: string; username: string; name: string };
export type FakeTweet = {
  id: string;
  text: string;
  authorId: string;
  createdAt: Date;
  inReplyTo: string | null;
  deleted: boolean;
};
export type FakeXCall = {
  method: string;
  path: string;
  userId: string | null;
  at: number;
  body: unknown;
  /** What the fake answered (status and headers); absent when it dropped or hung. */
  answer?: { status: number; headers: Record<string, string> };
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
};

const problem = (status: number, title: string, detail: string) => ({
  title,
  detail,
  type: 'about:blank',
  status,
});

/**
 * A fake of the X API v2 endpoints the x-executor uses, for the real twitter-api-v2 client:
 * POST /2/tweets, DELETE /2/tweets/:id, GET /2/users/me, GET /2/users/:id/tweets.
 * It records every call, answers with X's status codes, headers and problem bodies, and
 * can be told to be slow, fail, rate limit, or act and then drop the connection.
 */
export class FakeX {
  readonly calls: FakeXCall[] = [];
  readonly tweets: FakeTweet[] = [];
  latencyMs: number;
  /** Until this time (epoch ms) every POST answers 503: an outage, as opposed to a counted fault. */
  outageUntil = 0;
  /** Called when a request has taken effect, before it is answered: where a test can crash things. */
  onAct: ((call: FakeXCall) => void | Promise<void>) | null = null;
  private readonly users: Record<string, FakeXUser>;
  private readonly rateLimit: FakeXOptions['rateLimit'];
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly faults = new FaultRules<FakeXFault>({ method: 'POST', path: /^\/2\/tweets$/ });
  private nextId = 1_800_000_000_000_000_000n;
  private readonly server = new LoopbackServer((req, res) => void this.handle(req, res));
  url = '';

  constructor(options: FakeXOptions) {
    this.users = options.users;
    this.latencyMs = options.latencyMs ?? 0;
    this.rateLimit = options.rateLimit;
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

  /** Live (not deleted) posts by text: what a person would see on the timeline. */
  postsWithText(text: string): FakeTweet[] {
    return this.tweets.filter((t) => t.text === text && !t.deleted);
  }

  postCalls(): FakeXCall[] {
    return this.calls.filter((c) => c.method === 'POST' && c.path === '/2/tweets');
  }

  private userOf(req: IncomingMessage): FakeXUser | null {
    const auth = req.headers.authorization ?? '';
    const bearer = /^Bearer (.+)$/.exec(auth)?.[1];
    const oauth = /oauth_token="([^"]+)"/.exec(auth)?.[1];
    const token = bearer ?? (oauth ? decodeURIComponent(oauth) : undefined);
    return token ? (this.users[token] ?? null) : null;
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const user = this.userOf(req);
    let body: unknown = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = raw;
    }
    const call: FakeXCall = { method, path: url.pathname, userId: user?.id ?? null, at: Date.now(), body };
    this.calls.push(call);

    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.faults.take(method, url.pathname);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hold') return;
    if (!user) return this.send(call, res, 401, problem(401, 'Unauthorized', 'Unauthorized'));
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

    const answer = this.route(method, url, user, body);
    if (answer.status < 300 && method !== 'GET') await this.onAct?.(call);
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
    if (method === 'POST' && path === '/2/tweets') return this.createTweet(user, body);
    const del = /^\/2\/tweets\/(\d+)$/.exec(path);
    if (method === 'DELETE' && del) {
      const tweet = this.tweets.find((t) => t.id === del[1] && !t.deleted);
      if (!tweet)
        return {
          status: 404,
          body: problem(404, 'Not Found Error', `Could not find tweet with id: [${del[1]}].`),
        };
      if (tweet.authorId !== user.id) {
        return {
          status: 403,
          body: problem(403, 'Forbidden', 'You are not authorized to delete this Tweet.'),
        };
      }
      tweet.deleted = true;
      return { status: 200, body: { data: { deleted: true } } };
    }
    if (method === 'GET' && path === '/2/users/me') return { status: 200, body: { data: user } };
    const timeline = /^\/2\/users\/(\d+)\/tweets$/.exec(path);
    if (method === 'GET' && timeline) return this.timeline(timeline[1] as string, url.searchParams);
    return { status: 404, body: problem(404, 'Not Found', `no route ${method} ${path}`) };
  }

  private createTweet(user: FakeXUser, body: unknown): { status: number; body: unknown } {
    const b = body as { text?: unknown; reply?: { in_reply_to_tweet_id?: string } } | null;
    if (!b || typeof b.text !== 'string' || b.text.length === 0) {
      return {
        status: 400,
        body: {
          errors: [{ message: 'text: must not be empty' }],
          title: 'Invalid Request',
          detail: 'One or more parameters to your request was invalid.',
          type: 'https://api.twitter.com/2/problems/invalid-request',
        },
      };
    }
    // X refuses a post identical to one of the author's recent posts.
    if (this.tweets.some((t) => t.authorId === user.id && !t.deleted && t.text === b.text)) {
      return {
        status: 403,
        body: problem(403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.'),
      };
    }
    const id = String(this.nextId++);
    this.tweets.push({
      id,
      text: b.text,
      authorId: user.id,
      createdAt: new Date(),
      inReplyTo: b.reply?.in_reply_to_tweet_id ?? null,
      deleted: false,
    });
    return { status: 201, body: { data: { id, text: b.text, edit_history_tweet_ids: [id] } } };
  }

  private timeline(userId: string, q: URLSearchParams): { status: number; body: unknown } {
    const since = q.get('start_time') ? Date.parse(q.get('start_time') as string) : 0;
    const max = Math.min(100, Math.max(5, Number(q.get('max_results') ?? 10)));
    const offset = Number(q.get('pagination_token') ?? 0);
    const all = this.tweets
      .filter((t) => t.authorId === userId && !t.deleted && t.createdAt.getTime() >= since)
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    const page = all.slice(offset, offset + max);
    if (page.length === 0) return { status: 200, body: { meta: { result_count: 0 } } };
    const meta: Record<string, unknown> = {
      result_count: page.length,
      newest_id: page[0]?.id,
      oldest_id: page[page.length - 1]?.id,
    };
    if (offset + max < all.length) meta.next_token = String(offset + max);
    return {
      status: 200,
      body: { data: page.map((t) => ({ id: t.id, text: t.text, edit_history_tweet_ids: [t.id] })), meta },
    };
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
