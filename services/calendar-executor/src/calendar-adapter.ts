import { NonRetryableError } from '@agent-ops/contracts/errors';
import type { ChannelIntent } from '@agent-ops/contracts/intent';
import type { ChannelAdapter, EffectResult, ReconcileResult } from '@agent-ops/runtime/adapter';
// The Calendar API's own package and the auth library, not the whole googleapis bundle
// (loading googleapis took 1.5 s and 176 MB before the executor could start); and loaded on
// the first call, since even the one API is a sixth of the executor's start-up.
import type { calendar_v3 } from '@googleapis/calendar';
import type { OAuth2Client } from 'google-auth-library';
import type { CalendarAccount } from './calendar-secrets.ts';
import { updateEvent } from './calendar-update.ts';
import { BASELINE_PROPERTY, baselineOf, currentValues, eventBody } from './event-fields.ts';
import { eventIdFor } from './event-id.ts';
import { classifyGoogleError, googleStatus } from './google-errors.ts';
import { meetRequest } from './meet.ts';
import { sendUpdatesFor } from './send-updates.ts';

export type CalendarAdapterOptions = {
  /**
   * The accounts, or how to get them as they are now (the secrets file, re-read when `ops
   * login` rewrites it): an account whose credentials changed gets a new client.
   */
  accounts: Map<string, CalendarAccount> | (() => Map<string, CalendarAccount>);
  /** GOOGLE_API_ROOT_URL: the Calendar API's root (a fake in tests); must be set per client. */
  rootUrl?: string;
  /** GOOGLE_OAUTH_TOKEN_URL: where refresh tokens are exchanged. */
  tokenUrl?: string;
};

type CalendarIntent = ChannelIntent<'calendar'>;

/**
 * Google Calendar v3 through @googleapis/calendar. Every retry the client libraries would do on
 * their own is off (gaxios retries, token refresh retries, re-sends after a refresh), so
 * the runtime alone decides when a write is repeated.
 */
export class CalendarAdapter implements ChannelAdapter<'calendar'> {
  readonly channel = 'calendar' as const;
  /** Per account, the client and auth made from its credentials as they were then. */
  private readonly clients = new Map<
    string,
    { from: CalendarAccount; client: calendar_v3.Calendar; auth: OAuth2Client }
  >();
  private readonly o: CalendarAdapterOptions;
  /** Every secret value seen, old ones too: an answer to a call made before a reload may name one. */
  private readonly secrets = new Set<string>();

  constructor(options: CalendarAdapterOptions) {
    this.o = options;
  }

  private get accounts(): Map<string, CalendarAccount> {
    const { accounts } = this.o;
    return typeof accounts === 'function' ? accounts() : accounts;
  }

  hasAccount(account: string): boolean {
    return this.accounts.has(account);
  }

  rateLimitGroup(): string {
    return 'write';
  }

  accountNames(): readonly string[] {
    return [...this.accounts.keys()];
  }

  /**
   * A token refresh: what proves the grant still stands (a revoked or expired refresh token
   * answers 400 invalid_grant), with no effect on any calendar.
   */
  async checkAccount(account: string): Promise<void> {
    await this.client(account);
    try {
      await this.clients.get(account)?.auth.refreshAccessToken();
    } catch (err) {
      throw classifyGoogleError(err, true);
    }
  }

  secretValues(): readonly string[] {
    for (const a of this.accounts.values())
      for (const s of [a.clientSecret, a.refreshToken]) this.secrets.add(s);
    return [...this.secrets];
  }

  private async client(account: string): Promise<calendar_v3.Calendar> {
    const a = this.accounts.get(account);
    if (!a) throw new NonRetryableError(`account ${account} has no calendar credentials`, 'unknown_account');
    // The same credentials (the very object, until the secrets file is re-read): the same client.
    const existing = this.clients.get(account);
    if (existing?.from === a) return existing.client;
    const [{ calendar }, { OAuth2Client }] = await Promise.all([
      import('@googleapis/calendar'),
      import('google-auth-library'),
    ]);
    const cached = this.clients.get(account);
    if (cached?.from === a) return cached.client;
    const auth = new OAuth2Client({
      clientId: a.clientId,
      clientSecret: a.clientSecret,
      ...(this.o.tokenUrl ? { endpoints: { oauth2TokenUrl: this.o.tokenUrl } } : {}),
      transporterOptions: { retryConfig: { retry: 0 }, timeout: a.timeoutMs },
    });
    // Only the refresh token: with an access token and no expiry, the client re-sends after a 401/403.
    auth.setCredentials({ refresh_token: a.refreshToken });
    const client = calendar({
      version: 'v3',
      auth,
      retry: false,
      timeout: a.timeoutMs,
      ...(this.o.rootUrl ? { rootUrl: this.o.rootUrl } : {}),
    });
    this.clients.set(account, { from: a, client, auth });
    return client;
  }

  async perform(intent: CalendarIntent): Promise<EffectResult> {
    const cal = await this.client(intent.account);
    switch (intent.action) {
      case 'calendar.create': {
        const { calendarId, sendUpdates, meet, ...fields } = intent.payload;
        const id = eventIdFor(intent.idempotencyKey);
        const body = eventBody(fields);
        // What agent-ops wrote, so a later update can tell a person's change from its own.
        const baseline = baselineOf(currentValues(body));
        try {
          const { data } = await cal.events.insert({
            calendarId,
            sendUpdates: sendUpdatesFor(sendUpdates, fields.attendees),
            conferenceDataVersion: 1,
            requestBody: {
              id,
              ...body,
              extendedProperties: { private: { [BASELINE_PROPERTY]: baseline } },
              ...(meet ? { conferenceData: meetRequest(intent.idempotencyKey) } : {}),
            },
          });
          return { externalId: data.id ?? id, url: data.htmlLink ?? null };
        } catch (err) {
          // The id is ours: a 409 means an earlier attempt of this very intent created it.
          if (googleStatus(err) !== 409) throw classifyGoogleError(err, false);
          return this.existing(intent.account, calendarId, id);
        }
      }
      case 'calendar.update':
        return updateEvent(cal, intent);
      case 'calendar.delete': {
        const { calendarId, eventId, sendUpdates } = intent.payload;
        let attendees: readonly unknown[] | undefined;
        if (sendUpdates === undefined) {
          // Whom to tell depends on the event's guests: read it first (and a deleted one is done).
          const current = await this.read(cal, calendarId, eventId);
          if (!current || current.status === 'cancelled') return { externalId: eventId, url: null };
          attendees = current.attendees ?? undefined;
        }
        try {
          await cal.events.delete({
            calendarId,
            eventId,
            sendUpdates: sendUpdatesFor(sendUpdates, attendees),
          });
        } catch (err) {
          const status = googleStatus(err);
          // Gone already: a delete is idempotent, so an earlier attempt (or a person) did it.
          if (status !== 404 && status !== 410) throw classifyGoogleError(err, true);
        }
        return { externalId: eventId, url: null };
      }
    }
  }

  /** The event, or null when Google has none (404) or only its tombstone (410). */
  private async read(
    cal: calendar_v3.Calendar,
    calendarId: string,
    eventId: string,
  ): Promise<calendar_v3.Schema$Event | null> {
    try {
      return (await cal.events.get({ calendarId, eventId })).data;
    } catch (err) {
      const status = googleStatus(err);
      if (status === 404 || status === 410) return null;
      throw classifyGoogleError(err, true);
    }
  }

  private async existing(account: string, calendarId: string, id: string): Promise<EffectResult> {
    try {
      const { data } = await (await this.client(account)).events.get({ calendarId, eventId: id });
      return { externalId: data.id ?? id, url: data.htmlLink ?? null };
    } catch (err) {
      throw classifyGoogleError(err, true);
    }
  }

  /**
   * A create is found by its deterministic id. Update and delete are done again: an update first
   * reads the event and is done without a write when the event already shows it, and a delete of
   * a deleted event is done.
   */
  async reconcile(intent: CalendarIntent): Promise<ReconcileResult> {
    if (intent.action !== 'calendar.create') return { outcome: 'not_done' };
    try {
      const result = await this.existing(
        intent.account,
        intent.payload.calendarId,
        eventIdFor(intent.idempotencyKey),
      );
      return { outcome: 'done', result };
    } catch (err) {
      if ((err as { code?: string }).code === 'http_404') return { outcome: 'not_done' };
      throw err;
    }
  }
}
