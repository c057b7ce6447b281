import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { googleError } from './fake-calendar.ts';
import { type FaultMatch, FaultRules } from './fault-rules.ts';
import { LoopbackServer } from './loopback-server.ts';

/** A message in the fake mailbox (what users.messages.get would describe, reduced to what search needs). */
export type FakeGmailMessage = {
  id: string;
  threadId: string;
  /** The account (email) whose mailbox holds it. */
  account: string;
  /** The Message-ID header, angle brackets included. */
  messageId: string;
  labelIds: string[];
  /** When Gmail's search starts returning it (epoch ms): search lags behind delivery. */
  visibleAt: number;
};

export type FakeGmailCall = {
  method: string;
  path: string;
  /** The account the bearer token belongs to; null for /token and unauthenticated calls. */
  account: string | null;
  query: Record<string, string[]>;
  at: number;
  /** What the fake answered; absent when it dropped or held the request. */
  status?: number;
};

export type FakeGmailFault =
  | { kind: 'status'; status: number; body?: unknown }
  /** Gmail's per-user limit: 429 rateLimitExceeded, with Retry-After when given. */
  | { kind: 'rate_limit'; retryAfterSec?: number }
  /** Destroy the socket before answering. */
  | { kind: 'drop' }
  /** Never answer. */
  | { kind: 'hold' };

export type FakeGmailOptions = {
  /** Refresh token -> the account (email) it acts as. */
  refreshTokens: Record<string, string>;
  /** When set, POST /token also checks client_id and client_secret. */
  client?: { id: string; secret: string };
  /** Lifetime of issued access tokens, seconds (Google: 3599). */
  accessTokenTtlSec?: number;
  /**
   * How long after a message is filed search starts returning it, ms. Gmail's search index
   * lags delivery by seconds; the fake always lags (3 s by default), never answers at once.
   */
  visibilityDelayMs?: number;
  /** At most this many messages per page, whatever maxResults asks (the list promises no page size). */
  pageSize?: number;
  /** Pages answered empty, with a nextPageToken, before the results: a client must follow tokens. */
  leadingEmptyPages?: number;
};

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

const LIST_PATH = /^\/gmail\/v1\/users\/([^/]+)\/messages$/;
const SCOPE = 'https://mail.google.com/';
const HIDDEN = new Set(['SPAM', 'TRASH']);

const gmailErrors = {
  unauthenticated: () =>
    googleError(
      401,
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      {
        reason: 'authError',
        message: 'Invalid Credentials',
        location: 'Authorization',
        locationType: 'header',
      },
      'UNAUTHENTICATED',
    ),
  delegationDenied: (user: string) =>
    googleError(403, `Delegation denied for ${user}`, { reason: 'forbidden' }, 'PERMISSION_DENIED'),
  invalidArgument: (message: string) =>
    googleError(400, message, { reason: 'invalidArgument' }, 'INVALID_ARGUMENT'),
  rateLimit: () =>
    googleError(
      429,
      'Too many concurrent requests for user.',
      { reason: 'rateLimitExceeded' },
      'RESOURCE_EXHAUSTED',
    ),
  notFound: () => googleError(404, 'Requested entity was not found.', { reason: 'notFound' }, 'NOT_FOUND'),
  unavailable: () =>
    googleError(503, 'The service is currently unavailable.', { reason: 'backendError' }, 'UNAVAILABLE'),
};

/** The Message-ID header of a raw RFC 5322 message, from its header section only. */
export function rawMessageId(raw: Buffer | string): string | null {
  const text = raw.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  const header = (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n[ \t]+/g, ' ');
  return /^message-id:\s*(<[^>\s]+>)/im.exec(header)?.[1] ?? null;
}

/**
 * A fake of the Gmail API's `users.messages.list` and Google's OAuth 2.0 token endpoint, for the
 * real @googleapis/gmail client: bearer tokens from `POST /token` (refresh_token grant;
 * `invalid_grant` otherwise), `q` with `rfc822msgid:` and `in:sent`, `labelIds`,
 * `includeSpamTrash`, `maxResults` (1 to 500) and opaque `pageToken`s, Google's error bodies,
 * and search that lags delivery (`visibilityDelayMs`). Messages arrive by `file()`, e.g. from a
 * FakeSmtp's `onStore`, as Gmail files what an account submits over SMTP into Sent.
 * (developers.google.com/gmail/api/reference/rest/v1/users.messages/list)
 */
export class FakeGmail {
  readonly calls: FakeGmailCall[] = [];
  readonly messages: FakeGmailMessage[] = [];
  /** Until this time (epoch ms) every API request answers 503. */
  outageUntil = 0;
  visibilityDelayMs: number;
  url = '';
  private readonly o: FakeGmailOptions;
  private readonly accessTokens = new Map<string, { account: string; expiresAt: number }>();
  private readonly revokedGrants = new Set<string>();
  private readonly faults = new FaultRules<FakeGmailFault>({ method: 'GET', path: LIST_PATH });
  private readonly server = new LoopbackServer((req, res) => void this.handle(req, res));

  constructor(options: FakeGmailOptions) {
    this.o = options;
    this.visibilityDelayMs = options.visibilityDelayMs ?? 3000;
  }

  /** For `gmail({ rootUrl })`: ends with '/'. */
  get rootUrl(): string {
    return `${this.url}/`;
  }

  get tokenUrl(): string {
    return `${this.url}/token`;
  }

  async start(port = 0): Promise<this> {
    this.url = await this.server.listen(port);
    return this;
  }

  async stop(): Promise<void> {
    await this.server.close();
  }

  inject(fault: FakeGmailFault, match: FaultMatch = {}): void {
    this.faults.add(fault, match);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /**
   * The grant is revoked, as Google does to the refresh tokens of an app left in "Testing"
   * after 7 days, or a person does in their account's security page: the token endpoint
   * answers 400 `invalid_grant` ("Token has been expired or revoked.") for it, and the
   * access tokens issued under the grant stop working with it (developers.google.com/
   * identity/protocols/oauth2, "Refresh token expiration").
   */
  revokeGrant(refreshToken: string): void {
    this.revokedGrants.add(refreshToken);
    const account = this.o.refreshTokens[refreshToken];
    for (const [token, t] of this.accessTokens) if (t.account === account) this.accessTokens.delete(token);
  }

  /** The grant is good again: what a person's `ops login` amounts to, for a test. */
  restoreGrant(refreshToken: string): void {
    this.revokedGrants.delete(refreshToken);
  }

  /** The account an access token was issued to, while it is valid: for FakeSmtp's `xoauth2`. */
  accessTokenOf(token: string): string | null {
    const t = this.accessTokens.get(token);
    return t && t.expiresAt > Date.now() ? t.account : null;
  }

  /** Files a message into the account's mailbox with these labels; search finds it after the delay. */
  file(account: string, raw: Buffer | string, labelIds: string[] = ['SENT']): FakeGmailMessage {
    const messageId = rawMessageId(raw);
    if (!messageId) throw new Error('fake-gmail: the message has no Message-ID header');
    const id = randomBytes(8).toString('hex');
    const msg = {
      id,
      threadId: id,
      account,
      messageId,
      labelIds,
      visibleAt: Date.now() + this.visibilityDelayMs,
    };
    this.messages.push(msg);
    return msg;
  }

  /** Messages with this Message-ID (brackets optional), searchable yet or not. */
  byMessageId(messageId: string): FakeGmailMessage[] {
    const bare = messageId.replace(/^<|>$/g, '');
    return this.messages.filter((m) => m.messageId === `<${bare}>`);
  }

  listCalls(): FakeGmailCall[] {
    return this.calls.filter((c) => LIST_PATH.test(c.path));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const query: Record<string, string[]> = {};
    for (const k of new Set(url.searchParams.keys())) query[k] = url.searchParams.getAll(k);
    const isToken = url.pathname === '/token';
    const account = isToken ? null : this.accountOf(req);
    const call: FakeGmailCall = { method, path: url.pathname, account, query, at: Date.now() };
    this.calls.push(call);

    const fault = this.faults.take(method, url.pathname);
    if (fault?.kind === 'drop') return void req.socket.destroy();
    if (fault?.kind === 'hold') return;
    let answer: Answer;
    if (isToken)
      answer = this.token(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString())));
    else if (!account)
      answer = {
        status: 401,
        body: gmailErrors.unauthenticated(),
        headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' },
      };
    else if (fault?.kind === 'rate_limit')
      answer = {
        status: 429,
        body: gmailErrors.rateLimit(),
        headers: fault.retryAfterSec ? { 'retry-after': String(fault.retryAfterSec) } : {},
      };
    else if (fault?.kind === 'status')
      answer = { status: fault.status, body: fault.body ?? googleError(fault.status, 'Error (scripted)') };
    else if (Date.now() < this.outageUntil) answer = { status: 503, body: gmailErrors.unavailable() };
    else answer = this.route(method, url.pathname, account, query);
    call.status = answer.status;
    const json = JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=UTF-8',
      'content-length': Buffer.byteLength(json),
      ...answer.headers,
    });
    res.end(json);
  }

  private accountOf(req: IncomingMessage): string | null {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    return token ? this.accessTokenOf(token) : null;
  }

  private token(form: Record<string, string>): Answer {
    if (form.grant_type !== 'refresh_token')
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' },
      };
    const c = this.o.client;
    if (c && (form.client_id !== c.id || form.client_secret !== c.secret))
      return { status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } };
    const refresh = form.refresh_token;
    const account = refresh && !this.revokedGrants.has(refresh) ? this.o.refreshTokens[refresh] : undefined;
    if (refresh && this.revokedGrants.has(refresh))
      return {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
      };
    if (!account) return { status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } };
    const ttl = this.o.accessTokenTtlSec ?? 3599;
    const accessToken = `ya29.fake-${randomBytes(12).toString('hex')}`;
    this.accessTokens.set(accessToken, { account, expiresAt: Date.now() + ttl * 1000 });
    return {
      status: 200,
      body: { access_token: accessToken, expires_in: ttl, token_type: 'Bearer', scope: SCOPE },
    };
  }

  private route(method: string, path: string, account: string, query: Record<string, string[]>): Answer {
    const user = LIST_PATH.exec(path)?.[1];
    if (method !== 'GET' || user === undefined) return { status: 404, body: gmailErrors.notFound() };
    const userId = decodeURIComponent(user);
    if (userId !== 'me' && userId.toLowerCase() !== account.toLowerCase())
      return { status: 403, body: gmailErrors.delegationDenied(userId) };
    const one = (k: string) => query[k]?.[query[k].length - 1];
    const maxResults = one('maxResults') === undefined ? 100 : Number(one('maxResults'));
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 500)
      return { status: 400, body: gmailErrors.invalidArgument('Invalid maxResults: must be 1 to 500') };
    const filter = this.filter(one('q') ?? '', query.labelIds ?? [], one('includeSpamTrash') === 'true');
    if (typeof filter === 'string') return { status: 400, body: gmailErrors.invalidArgument(filter) };
    const now = Date.now();
    // Newest first, as Gmail lists; only what the search index shows by now.
    const hits = this.messages
      .filter((m) => m.account === account && m.visibleAt <= now && filter(m))
      .reverse();
    let offset = 0;
    let empties = 0;
    const token = one('pageToken');
    if (token !== undefined) {
      const parsed = /^p(\d+)e(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
      if (!parsed) return { status: 400, body: gmailErrors.invalidArgument('Invalid pageToken') };
      offset = Number(parsed[1]);
      empties = Number(parsed[2]);
    }
    const next = (o: number, e: number) => Buffer.from(`p${o}e${e}`).toString('base64url');
    if (empties < (this.o.leadingEmptyPages ?? 0) && hits.length > 0)
      return {
        status: 200,
        body: { nextPageToken: next(offset, empties + 1), resultSizeEstimate: hits.length },
      };
    const size = Math.min(maxResults, this.o.pageSize ?? maxResults);
    const page = hits.slice(offset, offset + size);
    const body: Record<string, unknown> = { resultSizeEstimate: hits.length };
    // An empty result has no `messages` field at all.
    if (page.length > 0) body.messages = page.map((m) => ({ id: m.id, threadId: m.threadId }));
    if (offset + size < hits.length) body.nextPageToken = next(offset + size, empties);
    return { status: 200, body };
  }

  /** The search terms this fake understands; anything else is refused, so a client's query cannot silently match nothing. */
  private filter(
    q: string,
    labelIds: string[],
    includeSpamTrash: boolean,
  ): ((m: FakeGmailMessage) => boolean) | string {
    const tests: Array<(m: FakeGmailMessage) => boolean> = [];
    for (const term of q.split(/\s+/).filter(Boolean)) {
      const msgid = /^rfc822msgid:<?([^<>\s]+)>?$/i.exec(term);
      if (msgid) {
        const want = `<${msgid[1]}>`;
        tests.push((m) => m.messageId === want);
      } else if (/^(in|label):sent$/i.test(term)) tests.push((m) => m.labelIds.includes('SENT'));
      else return `fake-gmail does not understand the search term ${term}`;
    }
    for (const label of labelIds) tests.push((m) => m.labelIds.includes(label));
    if (!includeSpamTrash) tests.push((m) => !m.labelIds.some((l) => HIDDEN.has(l)));
    return (m) => tests.every((t) => t(m));
  }
}
