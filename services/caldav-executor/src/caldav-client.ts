import { NonRetryableError } from '@agent-ops/contracts/errors';
import { httpError, noAnswer, readFailed } from './caldav-errors.ts';
import type { CaldavAccount } from './caldav-secrets.ts';

export type StoredObject = { ics: string; etag: string | null };

// tsdav is loaded on the first call, as the calendar executor loads googleapis: start-up stays small.
const tsdav = () => import('tsdav');

/**
 * One account's CalDAV calls: writes through tsdav (createCalendarObject sends If-None-Match: *,
 * updateCalendarObject If-Match), reads with a plain GET of the object (tsdav reads objects only
 * by REPORT and folds a missing object and a refused login into one error), all with Basic auth
 * and the account's timeout.
 */
export class CaldavClient {
  private readonly a: CaldavAccount;
  private readonly headers: Record<string, string>;

  constructor(account: CaldavAccount) {
    this.a = account;
    this.headers = {
      authorization: `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}`,
    };
  }

  /** fetch with the account's timeout; tsdav takes it as its `fetch`. */
  readonly fetch: typeof globalThis.fetch = (input, init) =>
    globalThis.fetch(input, { ...init, signal: AbortSignal.timeout(this.a.timeoutMs) });

  private async call(run: () => Promise<Response>, read = false): Promise<{ res: Response; body: string }> {
    try {
      const res = await run();
      return { res, body: await res.text() };
    } catch (err) {
      throw read ? readFailed(err, 'reading the object') : noAnswer(err, this.a.timeoutMs);
    }
  }

  /** The object and its etag, or null when there is none (404; 410 where a server says gone). */
  async get(url: string): Promise<StoredObject | null> {
    const { res, body } = await this.call(
      () => this.fetch(url, { method: 'GET', headers: { ...this.headers, accept: 'text/calendar' } }),
      true,
    );
    if (res.status === 404 || res.status === 410) return null;
    if (!res.ok) throw httpError(res);
    return { ics: body, etag: res.headers.get('etag') };
  }

  /** PUT with If-None-Match: *. `exists`: something is at that URL already (412), nothing was written. */
  async create(collectionUrl: string, name: string, ics: string): Promise<'created' | 'exists'> {
    const { createCalendarObject } = await tsdav();
    const { res } = await this.call(() =>
      createCalendarObject({
        calendar: { url: collectionUrl },
        filename: name,
        iCalString: ics,
        headers: this.headers,
        fetch: this.fetch,
      }),
    );
    if (res.status === 412) return 'exists';
    if (!res.ok) throw httpError(res);
    return 'created';
  }

  /** PUT with If-Match. `changed`: the etag is no longer the object's (412); `gone`: deleted meanwhile. */
  async update(url: string, ics: string, etag: string): Promise<'updated' | 'changed' | 'gone'> {
    const { updateCalendarObject } = await tsdav();
    const { res } = await this.call(() =>
      updateCalendarObject({
        calendarObject: { url, data: ics, etag },
        headers: this.headers,
        fetch: this.fetch,
      }),
    );
    if (res.status === 412) return 'changed';
    if (res.status === 404) return 'gone';
    if (!res.ok) throw httpError(res);
    return 'updated';
  }

  /** DELETE; an object already gone (404, 410) is deleted all the same. */
  async delete(url: string): Promise<void> {
    const { deleteCalendarObject } = await tsdav();
    const { res } = await this.call(() =>
      deleteCalendarObject({ calendarObject: { url }, headers: this.headers, fetch: this.fetch }),
    );
    if (res.ok || res.status === 404 || res.status === 410) return;
    throw httpError(res);
  }

  /**
   * The collection URL of the calendar with this display name, by discovery from serverUrl
   * (RFC 6764 well-known URL, then current-user-principal and calendar-home-set, RFC 4791 §6.2).
   */
  async discover(displayName: string): Promise<string> {
    const { createAccount, fetchCalendars } = await tsdav();
    const serverUrl = this.a.serverUrl as string;
    let calendars: Array<{ url: string; displayName?: unknown }>;
    try {
      const account = await createAccount({
        account: { serverUrl, accountType: 'caldav' },
        headers: this.headers,
        fetch: this.fetch,
      });
      calendars = await fetchCalendars({ account, headers: this.headers, fetch: this.fetch });
    } catch (err) {
      const message = (err as Error).message ?? '';
      if (/401|Invalid credentials/i.test(message)) {
        throw new NonRetryableError(
          `CalDAV server refused the credentials (401) during discovery`,
          'unauthorized',
        );
      }
      if (/cannot find|must have/i.test(message)) {
        throw new NonRetryableError(
          `CalDAV discovery from serverUrl found no calendar home (${message.slice(0, 80)}): configure the calendar's url`,
          'discovery_failed',
        );
      }
      throw readFailed(err, 'discovering the calendar');
    }
    const found = calendars.find((c) => c.displayName === displayName);
    if (!found) {
      throw new NonRetryableError(
        `no calendar named "${displayName.slice(0, 80)}" on the server (found: ${calendars
          .map((c) => String(c.displayName))
          .join(', ')
          .slice(0, 200)})`,
        'unknown_calendar',
      );
    }
    return found.url;
  }
}
