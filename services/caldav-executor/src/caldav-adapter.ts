import { createHash } from 'node:crypto';
import { canonicalJson } from '@agent-ops/contracts/canonical-json';
import { NonRetryableError, RetryAfterError } from '@agent-ops/contracts/errors';
import type { ChannelIntent, IntentOf } from '@agent-ops/contracts/intent';
import type { ChannelAdapter, EffectResult, ReconcileResult } from '@agent-ops/runtime/adapter';
import { CaldavClient } from './caldav-client.ts';
import type { CaldavAccount } from './caldav-secrets.ts';
import { Collections } from './collections.ts';
import { changedSinceOurWrite, shows } from './event-fields.ts';
import { buildEvent, INTENT_PROPERTY, KEY_PROPERTY, parseEvent, updatedEvent } from './ics.ts';
import { objectNameFor, uidFor } from './object-name.ts';

type CaldavIntent = ChannelIntent<'caldav'>;
type CreateIntent = IntentOf<'caldav.create'>;

export type CaldavAdapterOptions = { accounts: Map<string, CaldavAccount>; now?: () => Date };

function intentDigest(intent: CreateIntent): string {
  return createHash('sha256').update(canonicalJson(intent.payload)).digest('hex').slice(0, 32);
}

/**
 * Whose the object at a create's URL is: `ours` when it carries this intent's UID and key (and,
 * where the server kept it, this intent's digest), `reused` when the key made it for another
 * intent, `foreign` when something else sits at that URL.
 */
function ownership(ics: string, intent: CreateIntent): 'ours' | 'reused' | 'foreign' {
  const vevent = parseEvent(ics)?.vevent;
  if (!vevent || vevent.getFirstPropertyValue('uid') !== uidFor(intent.idempotencyKey)) return 'foreign';
  const key = vevent.getFirstPropertyValue(KEY_PROPERTY);
  // A server may drop X- properties; the UID, derived from the key, still says it is ours.
  if (key !== null && key !== intent.idempotencyKey) return 'foreign';
  const digest = vevent.getFirstPropertyValue(INTENT_PROPERTY);
  return digest !== null && digest !== intentDigest(intent) ? 'reused' : 'ours';
}

/**
 * CalDAV (iCloud, Fastmail, Nextcloud, Radicale...) through tsdav. A create PUTs to a URL derived
 * from the key with If-None-Match: *, so a repeat answers 412 and the object is read back; an
 * update is a PUT with If-Match on the etag it read; a delete of a missing object is done.
 */
export class CaldavAdapter implements ChannelAdapter<'caldav'> {
  readonly channel = 'caldav' as const;
  private readonly o: CaldavAdapterOptions;
  private readonly clients = new Map<string, CaldavClient>();
  private readonly collections = new Collections();

  constructor(options: CaldavAdapterOptions) {
    this.o = options;
  }

  hasAccount(account: string): boolean {
    return this.o.accounts.has(account);
  }

  refuse(intent: CaldavIntent): { code: string; message: string } | null {
    const a = this.o.accounts.get(intent.account);
    if (a && !(intent.payload.calendar in a.calendars)) {
      return {
        code: 'unknown_calendar',
        message: `account ${intent.account} has no caldav calendar named ${intent.payload.calendar} (configured: ${Object.keys(a.calendars).join(', ')})`,
      };
    }
    return null;
  }

  rateLimitGroup(): string {
    return 'write';
  }

  secretValues(): readonly string[] {
    return [...this.o.accounts.values()].flatMap((a) => [
      a.password,
      Buffer.from(`${a.username}:${a.password}`).toString('base64'),
    ]);
  }

  private account(account: string): { a: CaldavAccount; client: CaldavClient } {
    const a = this.o.accounts.get(account);
    if (!a) throw new NonRetryableError(`account ${account} has no caldav credentials`, 'unknown_account');
    let client = this.clients.get(account);
    if (!client) {
      client = new CaldavClient(a);
      this.clients.set(account, client);
    }
    return { a, client };
  }

  private async objectUrl(
    intent: CaldavIntent,
    name: string,
  ): Promise<{ client: CaldavClient; collection: string; url: string }> {
    const { a, client } = this.account(intent.account);
    const collection = await this.collections.url(intent.account, a, client, intent.payload.calendar);
    return { client, collection, url: new URL(encodeURIComponent(name), collection).href };
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  async perform(intent: CaldavIntent): Promise<EffectResult> {
    switch (intent.action) {
      case 'caldav.create':
        return this.create(intent);
      case 'caldav.update':
        return this.update(intent);
      case 'caldav.delete': {
        const { client, url } = await this.objectUrl(intent, intent.payload.object);
        await client.delete(url);
        return { externalId: intent.payload.object, url: null };
      }
    }
  }

  private async create(intent: CreateIntent): Promise<EffectResult> {
    const name = objectNameFor(intent.idempotencyKey);
    const { client, collection, url } = await this.objectUrl(intent, name);
    const { calendar: _calendar, ...fields } = intent.payload;
    const ics = buildEvent({
      uid: uidFor(intent.idempotencyKey),
      key: intent.idempotencyKey,
      intentDigest: intentDigest(intent),
      fields,
      now: this.now(),
    });
    if ((await client.create(collection, name, ics)) === 'created') return { externalId: name, url: null };
    // 412: an object is at our URL already. An earlier attempt of this intent, if it says so.
    const stored = await client.get(url);
    if (!stored) {
      // Deleted between our PUT and our GET: not done, and the next try creates it.
      throw new RetryAfterError(`${name} was there and then gone`, null, 'gone_meanwhile');
    }
    const owner = ownership(stored.ics, intent);
    if (owner === 'ours') return { externalId: name, url: null };
    throw new NonRetryableError(
      owner === 'reused'
        ? `${name} was created by another intent under the same idempotency key`
        : `${name} exists and was not written by agent-ops for this key`,
      owner === 'reused' ? 'idempotency_key_reused' : 'conflict',
    );
  }

  /**
   * Read, merge, PUT with If-Match. Done without a write when the object already shows the
   * update (an earlier attempt got through); failed/conflict when a field it sets was changed by
   * someone since agent-ops wrote it, or when the object changed between the read and the write
   * (412): a person decides, rather than a retry loop overwriting them.
   */
  private async update(intent: IntentOf<'caldav.update'>): Promise<EffectResult> {
    const { calendar: _calendar, object, ...fields } = intent.payload;
    const { client, url } = await this.objectUrl(intent, object);
    const done = { externalId: object, url: null };
    const read = async () => {
      const stored = await client.get(url);
      const parsed = stored ? parseEvent(stored.ics) : null;
      if (!stored || !parsed) {
        throw new NonRetryableError(
          `${object}: no event there to update`,
          stored ? 'not_an_event' : 'not_found',
        );
      }
      return { stored, parsed };
    };
    const { stored, parsed } = await read();
    if (shows(parsed.vevent, fields)) return done;
    const changed = changedSinceOurWrite(parsed.vevent, fields);
    if (changed.length > 0) {
      throw new NonRetryableError(
        `${object}: ${changed.join(', ')} changed by someone else since agent-ops wrote it; not overwritten`,
        'conflict',
      );
    }
    if (!stored.etag) {
      throw new NonRetryableError(
        `${object}: the server gave no ETag, so an update could overwrite a change`,
        'conflict',
      );
    }
    const outcome = await client.update(url, updatedEvent(parsed, fields, this.now()), stored.etag);
    if (outcome === 'updated') return done;
    if (outcome === 'gone') throw new NonRetryableError(`${object} was deleted meanwhile`, 'not_found');
    const again = await read();
    if (shows(again.parsed.vevent, fields)) return done;
    throw new NonRetryableError(
      `${object} changed between agent-ops reading and writing it (412 on If-Match); not overwritten`,
      'conflict',
    );
  }

  /**
   * A create is looked for at its URL: there and ours is done, absent is not done. Update and
   * delete are done again (an update that got through is seen and not repeated).
   */
  async reconcile(intent: CaldavIntent): Promise<ReconcileResult> {
    if (intent.action !== 'caldav.create') return { outcome: 'not_done' };
    const name = objectNameFor(intent.idempotencyKey);
    const { client, url } = await this.objectUrl(intent, name);
    const stored = await client.get(url);
    if (!stored) return { outcome: 'not_done' };
    const owner = ownership(stored.ics, intent);
    if (owner === 'ours') return { outcome: 'done', result: { externalId: name, url: null } };
    return {
      outcome: 'unknown',
      reason: `${name} holds an event agent-ops did not write for this intent (${owner})`,
    };
  }
}
