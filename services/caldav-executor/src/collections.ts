import { NonRetryableError } from '@agent-ops/contracts/errors';
import type { CaldavClient } from './caldav-client.ts';
import type { CaldavAccount } from './caldav-secrets.ts';

/**
 * Each calendar's collection URL: the configured one, or the one discovered by display name,
 * looked up once per process (a failed lookup is forgotten, so the next call tries again).
 */
export class Collections {
  private readonly found = new Map<string, Promise<string>>();

  async url(account: string, a: CaldavAccount, client: CaldavClient, calendar: string): Promise<string> {
    const ref = a.calendars[calendar];
    // The adapter's refuse() turns this into a rejected receipt before any call; this is the backstop.
    if (!ref) throw new NonRetryableError(`calendar ${calendar} is not configured`, 'unknown_calendar');
    if ('url' in ref) return withSlash(ref.url);
    const id = `${account}\n${calendar}`;
    let pending = this.found.get(id);
    if (!pending) {
      pending = client.discover(ref.displayName).then(withSlash);
      pending.catch(() => this.found.delete(id));
      this.found.set(id, pending);
    }
    return pending;
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
