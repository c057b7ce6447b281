import { FakeCalendar } from '@agent-ops/testkit/fake-calendar';
import { ExecutorHarness, settledReceipts } from '@agent-ops/testkit/in-process';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { xaddIntent } from '@agent-ops/testkit/streams';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { CalendarAdapter } from '../src/calendar-adapter.ts';
import { CalendarAccountSchema } from '../src/calendar-secrets.ts';
import { eventIdFor } from '../src/event-id.ts';

const url = inject('redisUrl');
const redis = redisClient(url);
let fake: FakeCalendar;
const harness = new ExecutorHarness(url);

beforeAll(async () => {
  fake = await new FakeCalendar({ refreshTokens: { 'refresh-acme': 'ops@acme.example' } }).start();
});
afterEach(async () => {
  await harness.closeAll();
  fake.clearFaults();
  fake.onRequest = null;
  fake.onAct = null;
});
afterAll(async () => {
  await fake.stop();
  await redis.quit();
});

async function start(prefix: string) {
  const account = CalendarAccountSchema.parse({
    clientId: 'c',
    clientSecret: 'client-secret-9',
    refreshToken: 'refresh-acme',
    timeoutMs: 3000,
  });
  const adapter = new CalendarAdapter({
    accounts: new Map([['acme', account]]),
    rootUrl: fake.rootUrl,
    tokenUrl: fake.tokenUrl,
  });
  return harness.start(adapter, { prefix, leaseTtlMs: 3000, backoff: { baseMs: 50, maxMs: 100 } });
}

const hour = { start: { dateTime: '2026-12-01T10:00:00Z' }, end: { dateTime: '2026-12-01T11:00:00Z' } };

function intent(key: string, action: string, payload: Record<string, unknown>) {
  return { v: 1, idempotencyKey: key, action, account: 'acme', payload };
}

const callsFor = (eventId: string, method: string) =>
  fake.calls.filter(
    (c) => c.method === method && (c.eventId === eventId || (method === 'POST' && c.eventId === null)),
  );

describe('calendar: who is told (sendUpdates)', () => {
  it('defaults to all with guests and none without; an intent may choose; delete tells the guests it had', async () => {
    const prefix = testPrefix();
    await start(prefix);
    const guests = [{ email: 'ada@example.com' }];
    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(`g-${prefix}`, 'calendar.create', { summary: `G ${prefix}`, ...hour, attendees: guests }),
    );
    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(`s-${prefix}`, 'calendar.create', { summary: `S ${prefix}`, ...hour }),
    );
    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(`e-${prefix}`, 'calendar.create', {
        summary: `E ${prefix}`,
        ...hour,
        attendees: guests,
        sendUpdates: 'externalOnly',
      }),
    );
    await settledReceipts(redis, prefix, 'calendar', 3);
    const inserts = fake.calls.filter(
      (c) =>
        c.method === 'POST' && c.calendarId && (c.body as { summary?: string }).summary?.endsWith(prefix),
    );
    const bySummary = new Map(inserts.map((c) => [(c.body as { summary: string }).summary, c.sendUpdates]));
    expect(bySummary).toEqual(
      new Map([
        [`G ${prefix}`, 'all'],
        [`S ${prefix}`, 'none'],
        [`E ${prefix}`, 'externalOnly'],
      ]),
    );

    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(`dg-${prefix}`, 'calendar.delete', { eventId: eventIdFor(`g-${prefix}`) }),
    );
    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(`ds-${prefix}`, 'calendar.delete', { eventId: eventIdFor(`s-${prefix}`) }),
    );
    const all = await settledReceipts(redis, prefix, 'calendar', 5);
    expect(all.map((r) => r.status)).toEqual(Array(5).fill('succeeded'));
    expect(callsFor(eventIdFor(`g-${prefix}`), 'DELETE').map((c) => c.sendUpdates)).toEqual(['all']);
    expect(callsFor(eventIdFor(`s-${prefix}`), 'DELETE').map((c) => c.sendUpdates)).toEqual(['none']);
  });
});

describe('calendar: recurrence and a Meet link', () => {
  it('a weekly event with a Meet link: the rule is stored, one conference even when the answer was lost', async () => {
    const prefix = testPrefix();
    await start(prefix);
    const key = `weekly-${prefix}`;
    // Google acts, then the connection drops: the retry answers 409 and must not make a second Meet.
    fake.inject({ kind: 'act_then_drop' });
    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(key, 'calendar.create', {
        summary: `Weekly ${prefix}`,
        start: { dateTime: '2026-12-01T10:00:00+01:00', timeZone: 'Europe/Berlin' },
        end: { dateTime: '2026-12-01T10:30:00+01:00', timeZone: 'Europe/Berlin' },
        recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10', 'EXDATE;TZID=Europe/Berlin:20261222T100000'],
        meet: true,
      }),
    );
    const [receipt] = await settledReceipts(redis, prefix, 'calendar', 1);
    const id = eventIdFor(key);
    expect(receipt).toMatchObject({ status: 'succeeded', externalId: id });
    const event = fake.event('primary', id);
    expect(event?.recurrence).toEqual([
      'RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10',
      'EXDATE;TZID=Europe/Berlin:20261222T100000',
    ]);
    expect(event?.conferenceData?.entryPoints[0]?.uri).toMatch(
      /^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/,
    );
    expect(fake.conferences.filter((c) => c.eventId === id)).toHaveLength(1);
    const posts = callsFor(id, 'POST').filter((c) => (c.body as { id?: string }).id === id);
    expect(posts.length).toBeGreaterThanOrEqual(1);
    for (const c of posts) expect(c.query.conferenceDataVersion).toBe('1');

    // Adding a Meet to an event with one is already done: no write, no second conference.
    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(`meet-again-${prefix}`, 'calendar.update', { eventId: id, meet: true }),
    );
    await settledReceipts(redis, prefix, 'calendar', 2);
    expect(fake.conferences.filter((c) => c.eventId === id)).toHaveLength(1);
    expect(callsFor(id, 'PATCH')).toHaveLength(0);
  });

  it('the same requestId twice makes one conference; conferenceData without conferenceDataVersion=1 is ignored (the fake, as Google documents)', async () => {
    const prefix = testPrefix();
    await start(prefix);
    const key = `plain-${prefix}`;
    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(key, 'calendar.create', { summary: `Plain ${prefix}`, ...hour }),
    );
    await settledReceipts(redis, prefix, 'calendar', 1);
    const id = eventIdFor(key);
    // The update's Meet patch is acted on, then its answer lost: the retry reads the event, sees the Meet, and is done.
    fake.inject({ kind: 'act_then_drop' }, { method: 'PATCH', path: /\/events\/[^/]+$/ });
    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(`add-meet-${prefix}`, 'calendar.update', { eventId: id, meet: true }),
    );
    const [, receipt] = await settledReceipts(redis, prefix, 'calendar', 2);
    expect(receipt?.status).toBe('succeeded');
    expect(fake.conferences.filter((c) => c.eventId === id)).toHaveLength(1);
    expect(callsFor(id, 'PATCH')).toHaveLength(1);

    const token = await fetch(fake.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'refresh-acme' }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const eventUrl = `${fake.url}/calendar/v3/calendars/primary/events/${id}`;
    const patch = (query: string, requestId: string) =>
      fetch(`${eventUrl}${query}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          conferenceData: { createRequest: { requestId, conferenceSolutionKey: { type: 'hangoutsMeet' } } },
        }),
      });
    const sameId = fake.conferences.find((c) => c.eventId === id)?.requestId as string;
    expect((await patch('?conferenceDataVersion=1', sameId)).status).toBe(200);
    expect((await patch('', 'another-request')).status).toBe(200);
    expect(fake.conferences.filter((c) => c.eventId === id)).toHaveLength(1);
    expect((await patch('?conferenceDataVersion=1', 'another-request')).status).toBe(200);
    expect(fake.conferences.filter((c) => c.eventId === id)).toHaveLength(2);
  });
});

describe('calendar: If-Match on update', () => {
  async function created(prefix: string) {
    await start(prefix);
    const key = `ev-${prefix}`;
    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(key, 'calendar.create', {
        summary: `Mine ${prefix}`,
        ...hour,
        attendees: [{ email: 'ada@example.com' }],
      }),
    );
    await settledReceipts(redis, prefix, 'calendar', 1);
    return eventIdFor(key);
  }

  it('patches with the etag it read; every write gives a new etag', async () => {
    const prefix = testPrefix();
    const id = await created(prefix);
    const before = fake.event('primary', id)?.etag;
    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(`up-${prefix}`, 'calendar.update', { eventId: id, summary: `Moved ${prefix}` }),
    );
    const [, receipt] = await settledReceipts(redis, prefix, 'calendar', 2);
    expect(receipt?.status).toBe('succeeded');
    const [patch] = callsFor(id, 'PATCH');
    expect(patch?.ifMatch).toBe(before);
    expect(patch?.sendUpdates).toBe('all');
    expect(fake.event('primary', id)?.etag).not.toBe(before);
    expect(fake.event('primary', id)?.summary).toBe(`Moved ${prefix}`);
  });

  it('a field a person changed since agent-ops wrote it is not overwritten: failed, conflict, no write', async () => {
    const prefix = testPrefix();
    const id = await created(prefix);
    fake.editAsPerson('primary', id, {
      start: { dateTime: '2026-12-01T15:00:00Z' },
      end: { dateTime: '2026-12-01T16:00:00Z' },
    });
    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(`resched-${prefix}`, 'calendar.update', {
        eventId: id,
        start: { dateTime: '2026-12-01T12:00:00Z' },
      }),
    );
    const [, receipt] = await settledReceipts(redis, prefix, 'calendar', 2);
    expect(receipt).toMatchObject({ status: 'failed', error: { code: 'conflict', retryable: false } });
    expect(receipt?.error?.message).toMatch(/start changed by someone else/);
    expect(callsFor(id, 'PATCH')).toHaveLength(0);
    expect(fake.event('primary', id)?.start).toEqual({ dateTime: '2026-12-01T15:00:00Z' });

    // A change to another field goes through, and keeps the person's.
    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(`loc-${prefix}`, 'calendar.update', { eventId: id, location: 'Room 4' }),
    );
    const [, , ok] = await settledReceipts(redis, prefix, 'calendar', 3);
    expect(ok?.status).toBe('succeeded');
    expect(fake.event('primary', id)).toMatchObject({
      location: 'Room 4',
      start: { dateTime: '2026-12-01T15:00:00Z' },
    });
  });

  it('a person writing between the read and the patch: 412, then a clear conflict, not a retry loop', async () => {
    const prefix = testPrefix();
    const id = await created(prefix);
    fake.onRequest = (call) => {
      if (call.method === 'PATCH' && call.eventId === id)
        fake.editAsPerson('primary', id, { summary: 'Renamed by Ada' });
    };
    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(`race-${prefix}`, 'calendar.update', { eventId: id, summary: `Agent ${prefix}` }),
    );
    const [, receipt] = await settledReceipts(redis, prefix, 'calendar', 2);
    expect(receipt).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'conflict' } });
    expect(receipt?.error?.message).toMatch(/412/);
    expect(callsFor(id, 'PATCH').map((c) => c.answer?.status)).toEqual([412]);
    expect(fake.event('primary', id)?.summary).toBe('Renamed by Ada');
  });

  it('an update whose answer was lost is done on the retry without a second write or a second notice', async () => {
    const prefix = testPrefix();
    const id = await created(prefix);
    fake.inject({ kind: 'act_then_drop' }, { method: 'PATCH', path: /\/events\/[^/]+$/ });
    await xaddIntent(
      redis,
      prefix,
      'calendar',
      intent(`lost-${prefix}`, 'calendar.update', { eventId: id, summary: `Lost ${prefix}` }),
    );
    const [, receipt] = await settledReceipts(redis, prefix, 'calendar', 2);
    expect(receipt?.status).toBe('succeeded');
    expect(callsFor(id, 'PATCH')).toHaveLength(1);
  });
});
