import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { type FaultMatch, FaultRules } from './fault-rules.ts';
import { LoopbackServer } from './loopback-server.ts';

export type FakeEventDateTime = { date?: string; dateTime?: string; timeZone?: string };
export type FakeAttendee = {
  email: string;
  displayName?: string;
  optional?: boolean;
  responseStatus?: string;
  [key: string]: unknown;
};
export type FakeCalendarEvent = {
  id: string;
  calendarId: string;
  /** Google keeps a deleted event, with status 'cancelled'. */
  status: 'confirmed' | 'cancelled';
  htmlLink: string;
  summary?: string;
  description?: string;
  location?: string;
  start?: FakeEventDateTime;
  end?: FakeEventDateTime;
  attendees?: FakeAttendee[];
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
  recurrence?: string[];
  conferenceData?: FakeConferenceData;
  /** The account (email) whose token created it. */
  creator: string;
  created: string;
  updated: string;
  sequence: number;
  etag: string;
};
/** A Meet conference as Google attaches it: created from a createRequest, once per requestId. */
export type FakeConferenceData = {
  conferenceId: string;
  createRequest: {
    requestId: string;
    conferenceSolutionKey: { type: string };
    status: { statusCode: 'success' };
  };
  entryPoints: Array<{ entryPointType: 'video'; uri: string; label: string }>;
  conferenceSolution: { key: { type: string }; name: string };
};

export type FakeCalendarCall = {
  method: string;
  path: string;
  /** The account the bearer token belongs to; null for /token and unauthenticated calls. */
  account: string | null;
  calendarId: string | null;
  eventId: string | null;
  query: Record<string, string>;
  /** The call's sendUpdates parameter, or null when it had none (then guests outside Google hear nothing). */
  sendUpdates: string | null;
  /** The If-Match header the call carried, or null. */
  ifMatch: string | null;
  at: number;
  body: unknown;
  /** What the fake answered (status and headers); absent when it dropped or hung. */
  answer?: { status: number; headers: Record<string, string> };
};

/** A scripted fault for the next matching request. */
export type FakeCalendarFault =
  | { kind: 'status'; status: number; body?: unknown }
  /** Google's rate limit: 403 rateLimitExceeded (the default), 403 userRateLimitExceeded, or 429. */
  | {
      kind: 'rate_limit';
      status?: 403 | 429;
      reason?: 'rateLimitExceeded' | 'userRateLimitExceeded';
      retryAfterSec?: number;
    }
  /** Carry the request out, then destroy the socket without answering: the "unknown" case. */
  | { kind: 'act_then_drop' }
  /** Carry the request out and never answer (the client times out, or is killed meanwhile). */
  | { kind: 'act_then_hang' }
  /** Destroy the socket before doing anything. */
  | { kind: 'drop' }
  /** Hold the request without acting; if the client goes away, it never acts. */
  | { kind: 'hold' };

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

export type FakeCalendarOptions = {
  /** Refresh token -> the account (email) it acts as. */
  refreshTokens: Record<string, string>;
  /** When set, POST /token also checks client_id and client_secret. */
  client?: { id: string; secret: string };
  /** Lifetime of issued access tokens, seconds (Google: 3599). */
  accessTokenTtlSec?: number;
  /** Answer delay for every request, ms. */
  latencyMs?: number;
  /**
   * What GET answers for a deleted event. Google answers 200 with the event, status 'cancelled'
   * ('cancelled', the default); 'gone' answers 410 deleted instead.
   */
  deletedGet?: 'cancelled' | 'gone';
};

const EVENTS_PATH = /^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/;
const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
/** Google's rule for client-chosen event ids: base32hex characters, 5 to 1024 of them. */
const EVENT_ID = /^[a-v0-9]{5,1024}$/;

type ErrorItem = {
  domain: string;
  reason: string;
  message: string;
  location?: string;
  locationType?: string;
};

/** Google's JSON error body: {"error":{"code","message","errors":[{domain,reason,message}]}}. */
export function googleError(
  code: number,
  message: string,
  item: Partial<ErrorItem> = {},
  status?: string,
): { error: Record<string, unknown> } {
  const error: Record<string, unknown> = {
    code,
    message,
    errors: [{ domain: 'global', reason: 'backendError', message, ...item }],
  };
  if (status) error.status = status;
  return { error };
}

export const calendarErrors = {
  notFound: () => googleError(404, 'Not Found', { reason: 'notFound' }),
  deleted: () => googleError(410, 'Resource has been deleted', { reason: 'deleted' }),
  duplicate: () => googleError(409, 'The requested identifier already exists.', { reason: 'duplicate' }),
  invalidId: () => googleError(400, 'Invalid resource id value.', { reason: 'invalid' }),
  // A stale If-Match: https://developers.google.com/calendar/api/guides/version-resources
  // ("Otherwise, you will get a 412 (Precondition failed) response code").
  preconditionFailed: () =>
    googleError(412, 'Precondition Failed', {
      reason: 'conditionNotMet',
      location: 'If-Match',
      locationType: 'header',
    }),
  invalidParameter: (name: string, value: string) =>
    googleError(400, `Invalid value for: ${name}: ${value.slice(0, 40)}`, {
      reason: 'invalidParameter',
      location: name,
      locationType: 'parameter',
    }),
  invalid: (message: string) => googleError(400, message, { reason: 'invalid' }),
  rateLimit: (code: 403 | 429, reason: 'rateLimitExceeded' | 'userRateLimitExceeded') => {
    const message = reason === 'rateLimitExceeded' ? 'Rate Limit Exceeded' : 'User Rate Limit Exceeded';
    return googleError(code, message, { domain: 'usageLimits', reason });
  },
  unavailable: (code = 503) =>
    code === 503
      ? googleError(503, 'The service is currently unavailable.', { reason: 'backendError' })
      : googleError(code, 'Backend Error', { reason: 'backendError' }),
  loginRequired: () =>
    googleError(
      401,
      'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      { reason: 'required', message: 'Login Required.', location: 'Authorization', locationType: 'header' },
      'UNAUTHENTICATED',
    ),
  invalidCredentials: () =>
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
};

const SCOPE = 'https://www.googleapis.com/auth/calendar.events';

const SEND_UPDATES = new Set(['all', 'externalOnly', 'none']);
const RECURRENCE_LINE = /^(?:RRULE|EXRULE|RDATE|EXDATE)[:;]/;

/**
 * A fake of the Google Calendar v3 events endpoints and the OAuth 2.0 token endpoint, for the
 * real googleapis client: POST /token (refresh_token grant), and under
 * /calendar/v3/calendars/:calendarId/events insert (POST, honours a client-chosen id), get, patch
 * and delete. It records every call, answers with Google's status codes and error bodies, and can
 * be told to be slow, fail, rate limit, or act and then drop the connection.
 *
 * Where Google's documentation is strict, so is the fake (never kinder than the real API):
 * - `sendUpdates` (events.insert/patch/delete) must be `all`, `externalOnly` or `none`, and is
 *   recorded per call: without it guests outside Google get no invitation.
 * - Every write gives the event a new etag; a write whose `If-Match` is not the current etag
 *   answers 412 conditionNotMet and changes nothing (guides/version-resources).
 * - `conferenceData` is read only with `conferenceDataVersion=1` ("Version 0 assumes no
 *   conference data support and ignores conference data in the event's body"); a createRequest
 *   whose requestId is the one the event's conference came from is ignored ("If an ID provided
 *   is the same as for the previous request, the request is ignored"), so a conference is made
 *   once per requestId.
 * - A recurring event with a dateTime start or end needs its timeZone (Event.start.timeZone:
 *   "For recurring events this field is required"): 400 otherwise.
 *
 * Point the client at it with `rootUrl: fake.rootUrl` and
 * `endpoints: { oauth2TokenUrl: fake.tokenUrl }`.
 */
export class FakeCalendar {
  readonly calls: FakeCalendarCall[] = [];
  readonly events: FakeCalendarEvent[] = [];
  /** Every conference created, in order: one per (event, requestId). */
  readonly conferences: Array<{ eventId: string; requestId: string; conferenceId: string }> = [];
  latencyMs: number;
  /** Until this time (epoch ms) every write answers 503: an outage, as opposed to a counted fault. */
  outageUntil = 0;
  /** Called when a request arrives, before anything is done with it: where a test lets a person act first. */
  onRequest: ((call: FakeCalendarCall) => void | Promise<void>) | null = null;
  /** Called when a write has taken effect, before it is answered: where a test can crash things. */
  onAct: ((call: FakeCalendarCall) => void | Promise<void>) | null = null;
  url = '';
  private readonly refreshTokens: Record<string, string>;
  private readonly client: FakeCalendarOptions['client'];
  private readonly accessTokenTtlSec: number;
  private readonly deletedGet: 'cancelled' | 'gone';
  private readonly accessTokens = new Map<string, { account: string; expiresAt: number }>();
  private readonly revokedGrants = new Set<string>();
  private readonly faults = new FaultRules<FakeCalendarFault>({
    method: 'POST',
    path: /^\/calendar\/v3\/calendars\/[^/]+\/events$/,
  });
  private readonly server = new LoopbackServer((req, res) => void this.handle(req, res));

  constructor(options: FakeCalendarOptions) {
    this.refreshTokens = options.refreshTokens;
    this.client = options.client;
    this.accessTokenTtlSec = options.accessTokenTtlSec ?? 3599;
    this.latencyMs = options.latencyMs ?? 0;
    this.deletedGet = options.deletedGet ?? 'cancelled';
  }

  /** For `google.calendar({ rootUrl })`: ends with '/'. */
  get rootUrl(): string {
    return `${this.url}/`;
  }

  /** For `new google.auth.OAuth2({ endpoints: { oauth2TokenUrl } })`. */
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

  /**
   * The next `times` requests matching method and path get `fault`. Defaults: POST (insert) on any
   * calendar's events. `method: '*'` matches every method; `path: /^\/token$/` targets the token endpoint.
   */
  inject(fault: FakeCalendarFault, match: FaultMatch = {}): void {
    this.faults.add(fault, match);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Invalidate every access token issued so far (they then answer 401 authError). */
  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  /** Live (not cancelled) events by summary: what a person would see in the calendar. */
  eventsWithSummary(summary: string): FakeCalendarEvent[] {
    return this.events.filter((e) => e.summary === summary && e.status !== 'cancelled');
  }

  event(calendarId: string, eventId: string): FakeCalendarEvent | undefined {
    return this.events.find((e) => e.calendarId === calendarId && e.id === eventId);
  }

  /**
   * A person edits the event in Google Calendar's own page: the fields change and so does the
   * etag, as after any write, but no call of ours is recorded.
   */
  editAsPerson(calendarId: string, eventId: string, fields: Partial<FakeCalendarEvent>): void {
    const event = this.event(calendarId, eventId);
    if (!event) throw new Error(`no event ${eventId} in ${calendarId}`);
    applyFields(event, fields);
    touch(event);
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
    const account = this.refreshTokens[refreshToken];
    for (const [token, t] of this.accessTokens) if (t.account === account) this.accessTokens.delete(token);
  }

  /** The grant is good again: what a person's `ops login` amounts to, for a test. */
  restoreGrant(refreshToken: string): void {
    this.revokedGrants.delete(refreshToken);
  }

  /** Insert, patch, update and delete calls on events (token calls excluded). */
  writeCalls(): FakeCalendarCall[] {
    return this.calls.filter((c) => WRITE_METHODS.has(c.method) && c.calendarId !== null);
  }

  /** null: no credential; undefined: a credential that is not (or no longer) valid. */
  private accountOf(req: IncomingMessage): string | null | undefined {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return null;
    const t = this.accessTokens.get(token);
    if (!t || t.expiresAt <= Date.now()) return undefined;
    return t.account;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const isToken = url.pathname === '/token';
    const body = isToken ? Object.fromEntries(new URLSearchParams(raw)) : parseJson(raw);
    const route = EVENTS_PATH.exec(url.pathname);
    const account = isToken ? null : this.accountOf(req);
    const call: FakeCalendarCall = {
      method,
      path: url.pathname,
      account: account ?? null,
      calendarId: route?.[1] ? decodeURIComponent(route[1]) : null,
      eventId: route?.[2] ? decodeURIComponent(route[2]) : null,
      query: Object.fromEntries(url.searchParams),
      sendUpdates: url.searchParams.get('sendUpdates'),
      ifMatch: typeof req.headers['if-match'] === 'string' ? req.headers['if-match'] : null,
      at: Date.now(),
      body,
    };
    this.calls.push(call);
    await this.onRequest?.(call);

    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.faults.take(method, url.pathname);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hold') return;
    const early = this.before(method, isToken, account, fault);
    if (early) return this.send(call, res, early);

    const answer = isToken ? this.token(body as Record<string, string>) : this.route(method, call, body);
    if (answer.status < 300 && WRITE_METHODS.has(method) && !isToken) await this.onAct?.(call);
    if (fault?.kind === 'act_then_drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'act_then_hang') {
      return;
    }
    this.send(call, res, answer);
  }

  /** The answers that come before the request takes effect: auth, rate limit, outage, faults. */
  private before(
    method: string,
    isToken: boolean,
    account: string | null | undefined,
    fault: FakeCalendarFault | null,
  ): Answer | null {
    const bearer = { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' };
    if (!isToken && account === null) {
      return { status: 401, body: calendarErrors.loginRequired(), headers: bearer };
    }
    if (!isToken && account === undefined) {
      return { status: 401, body: calendarErrors.invalidCredentials(), headers: bearer };
    }
    if (fault?.kind === 'rate_limit') {
      const status = fault.status ?? 403;
      const headers: Record<string, string> = fault.retryAfterSec
        ? { 'retry-after': String(fault.retryAfterSec) }
        : {};
      return {
        status,
        body: calendarErrors.rateLimit(status, fault.reason ?? 'rateLimitExceeded'),
        headers,
      };
    }
    if (!isToken && WRITE_METHODS.has(method) && Date.now() < this.outageUntil) {
      return { status: 503, body: calendarErrors.unavailable(503) };
    }
    if (fault?.kind === 'status') {
      const fallback =
        fault.status >= 500
          ? calendarErrors.unavailable(fault.status)
          : googleError(fault.status, STATUS_CODES[fault.status] ?? 'Error', { reason: 'error' });
      return { status: fault.status, body: fault.body ?? fallback };
    }
    return null;
  }

  private token(form: Record<string, string>): Answer {
    if (form.grant_type !== 'refresh_token') {
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' },
      };
    }
    if (this.client && (form.client_id !== this.client.id || form.client_secret !== this.client.secret)) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } };
    }
    const refresh = form.refresh_token;
    const account = refresh && !this.revokedGrants.has(refresh) ? this.refreshTokens[refresh] : undefined;
    if (refresh && this.revokedGrants.has(refresh))
      return {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
      };
    if (!account) return { status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } };
    const accessToken = `ya29.fake-${randomBytes(12).toString('hex')}`;
    this.accessTokens.set(accessToken, { account, expiresAt: Date.now() + this.accessTokenTtlSec * 1000 });
    return {
      status: 200,
      body: {
        access_token: accessToken,
        expires_in: this.accessTokenTtlSec,
        token_type: 'Bearer',
        scope: SCOPE,
      },
    };
  }

  private route(method: string, call: FakeCalendarCall, body: unknown): Answer {
    const calendarId = call.calendarId;
    if (calendarId === null) return { status: 404, body: calendarErrors.notFound() };
    if (call.sendUpdates !== null && !SEND_UPDATES.has(call.sendUpdates)) {
      return { status: 400, body: calendarErrors.invalidParameter('sendUpdates', call.sendUpdates) };
    }
    const conferenceVersion = call.query.conferenceDataVersion ?? '0';
    if (conferenceVersion !== '0' && conferenceVersion !== '1') {
      return {
        status: 400,
        body: calendarErrors.invalidParameter('conferenceDataVersion', conferenceVersion),
      };
    }
    const withConference = conferenceVersion === '1';
    const eventId = call.eventId;
    if (eventId === null) {
      if (method === 'POST') return this.insert(calendarId, call.account ?? '', body, withConference);
      return { status: 404, body: calendarErrors.notFound() };
    }
    const event = this.event(calendarId, eventId);
    if (!event) return { status: 404, body: calendarErrors.notFound() };
    if (method === 'GET') {
      if (event.status === 'cancelled' && this.deletedGet === 'gone') {
        return { status: 410, body: calendarErrors.deleted() };
      }
      return { status: 200, body: toJson(event) };
    }
    if (call.ifMatch !== null && call.ifMatch !== '*' && call.ifMatch !== event.etag) {
      return { status: 412, body: calendarErrors.preconditionFailed() };
    }
    if (method === 'PATCH') {
      const invalid = invalidEvent({ ...toJson(event), ...asRecord(body) });
      if (invalid) return { status: 400, body: calendarErrors.invalid(invalid) };
      applyFields(event, body);
      if (withConference) this.conference(event, asRecord(body).conferenceData);
      touch(event);
      return { status: 200, body: toJson(event) };
    }
    if (method === 'DELETE') {
      if (event.status === 'cancelled') return { status: 410, body: calendarErrors.deleted() };
      event.status = 'cancelled';
      touch(event);
      return { status: 204, body: null };
    }
    return { status: 404, body: calendarErrors.notFound() };
  }

  /** Attaches a conference for a createRequest, once per requestId. */
  private conference(event: FakeCalendarEvent, data: unknown): void {
    const request = asRecord(asRecord(data).createRequest);
    const requestId = request.requestId;
    if (typeof requestId !== 'string' || requestId === event.conferenceData?.createRequest.requestId) return;
    const type = String(asRecord(request.conferenceSolutionKey).type ?? 'hangoutsMeet');
    const conferenceId = meetCode();
    event.conferenceData = {
      conferenceId,
      createRequest: { requestId, conferenceSolutionKey: { type }, status: { statusCode: 'success' } },
      entryPoints: [
        {
          entryPointType: 'video',
          uri: `https://meet.google.com/${conferenceId}`,
          label: `meet.google.com/${conferenceId}`,
        },
      ],
      conferenceSolution: { key: { type }, name: 'Google Meet' },
    };
    this.conferences.push({ eventId: event.id, requestId, conferenceId });
  }

  private insert(calendarId: string, account: string, body: unknown, withConference: boolean): Answer {
    const b = asRecord(body);
    let id: string;
    if (b.id === undefined) {
      id = randomId();
    } else if (typeof b.id === 'string' && EVENT_ID.test(b.id)) {
      id = b.id;
    } else {
      return { status: 400, body: calendarErrors.invalidId() };
    }
    if (!isDateTime(b.start))
      return { status: 400, body: googleError(400, 'Missing start time.', { reason: 'required' }) };
    if (!isDateTime(b.end))
      return { status: 400, body: googleError(400, 'Missing end time.', { reason: 'required' }) };
    const invalid = invalidEvent(b);
    if (invalid) return { status: 400, body: calendarErrors.invalid(invalid) };
    // Google keeps deleted events: their ids stay taken.
    if (this.event(calendarId, id)) return { status: 409, body: calendarErrors.duplicate() };
    const now = new Date().toISOString();
    const event: FakeCalendarEvent = {
      id,
      calendarId,
      status: 'confirmed',
      htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${calendarId}`).toString('base64url')}`,
      creator: account,
      created: now,
      updated: now,
      sequence: 0,
      etag: etag(),
    };
    applyFields(event, b);
    if (withConference) this.conference(event, b.conferenceData);
    this.events.push(event);
    return { status: 200, body: toJson(event) };
  }

  private send(call: FakeCalendarCall, res: ServerResponse, answer: Answer): void {
    const headers = answer.headers ?? {};
    call.answer = { status: answer.status, headers };
    if (answer.status === 204) {
      res.writeHead(204, headers);
      res.end();
      return;
    }
    const json = JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=UTF-8',
      'content-length': Buffer.byteLength(json),
      ...headers,
    });
    res.end(json);
  }
}

function parseJson(raw: string): unknown {
  if (!raw) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function isDateTime(v: unknown): v is FakeEventDateTime {
  if (!v || typeof v !== 'object') return false;
  const d = v as FakeEventDateTime;
  return typeof d.dateTime === 'string' || typeof d.date === 'string';
}

function randomId(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  return Array.from(randomBytes(26), (b) => alphabet[b % 32]).join('');
}

let etagSeq = 0;

/** Google's etags look like "3181161784712000"; every write gets one no earlier write had. */
function etag(): string {
  etagSeq += 1;
  return `"${Date.now()}${String(etagSeq % 1000).padStart(3, '0')}"`;
}

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function meetCode(): string {
  const letters = Array.from(randomBytes(10), (b) => String.fromCharCode(97 + (b % 26))).join('');
  return `${letters.slice(0, 3)}-${letters.slice(3, 7)}-${letters.slice(7, 10)}`;
}

/** What Google refuses in an event as it would be after the write: bad recurrence, a recurring event without its zone. */
function invalidEvent(e: Record<string, unknown>): string | null {
  const recurrence = e.recurrence;
  if (recurrence === undefined || recurrence === null) return null;
  if (
    !Array.isArray(recurrence) ||
    !recurrence.every((l) => typeof l === 'string' && RECURRENCE_LINE.test(l))
  ) {
    return 'Invalid recurrence rule.';
  }
  if (recurrence.length === 0) return null;
  for (const side of ['start', 'end'] as const) {
    const t = asRecord(e[side]);
    if (typeof t.dateTime === 'string' && typeof t.timeZone !== 'string') {
      return `Missing time zone definition for ${side} time.`;
    }
  }
  return null;
}

function touch(event: FakeCalendarEvent): void {
  event.updated = new Date().toISOString();
  event.etag = etag();
}

/** Copy the writable fields a request body carries (patch semantics: absent fields stay). */
function applyFields(event: FakeCalendarEvent, body: unknown): void {
  if (!body || typeof body !== 'object') return;
  const b = body as Record<string, unknown>;
  if (typeof b.summary === 'string') event.summary = b.summary;
  if (typeof b.description === 'string') event.description = b.description;
  if (typeof b.location === 'string') event.location = b.location;
  if (isDateTime(b.start)) event.start = b.start;
  if (isDateTime(b.end)) event.end = b.end;
  // Google gives every guest a responseStatus; 'needsAction' until they answer.
  if (Array.isArray(b.attendees)) {
    event.attendees = (b.attendees as FakeAttendee[]).map((a) => ({ responseStatus: 'needsAction', ...a }));
  }
  if (Array.isArray(b.recurrence)) event.recurrence = b.recurrence as string[];
  if (b.extendedProperties && typeof b.extendedProperties === 'object') {
    event.extendedProperties = b.extendedProperties as FakeCalendarEvent['extendedProperties'];
  }
  if (b.status === 'confirmed' || b.status === 'cancelled') event.status = b.status;
}

/** The event as Google's JSON representation. */
function toJson(e: FakeCalendarEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kind: 'calendar#event',
    etag: e.etag,
    id: e.id,
    status: e.status,
    htmlLink: e.htmlLink,
    created: e.created,
    updated: e.updated,
  };
  if (e.summary !== undefined) out.summary = e.summary;
  if (e.description !== undefined) out.description = e.description;
  if (e.location !== undefined) out.location = e.location;
  out.creator = { email: e.creator };
  out.organizer = { email: e.calendarId === 'primary' ? e.creator : e.calendarId, self: true };
  if (e.start) out.start = e.start;
  if (e.end) out.end = e.end;
  out.iCalUID = `${e.id}@google.com`;
  out.sequence = e.sequence;
  if (e.attendees) out.attendees = e.attendees;
  if (e.extendedProperties) out.extendedProperties = e.extendedProperties;
  if (e.recurrence) out.recurrence = e.recurrence;
  if (e.conferenceData) {
    out.conferenceData = e.conferenceData;
    out.hangoutLink = e.conferenceData.entryPoints[0]?.uri;
  }
  out.reminders = { useDefault: true };
  out.eventType = 'default';
  return out;
}
