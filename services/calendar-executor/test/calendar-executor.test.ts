import { parseIntentJson } from '@agent-ops/contracts/codec';
import { channelKeys } from '@agent-ops/contracts/keys';
import { FakeCalendar } from '@agent-ops/testkit/fake-calendar';
import { ExecutorHarness, settledReceipts } from '@agent-ops/testkit/in-process';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { pendingCount, receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { CalendarAdapter } from '../src/calendar-adapter.ts';
import { CalendarAccountSchema } from '../src/calendar-secrets.ts';
import { eventIdFor } from '../src/event-id.ts';

const url = inject('redisUrl');
const redis = redisClient(url);
let fake: FakeCalendar;
const harness = new ExecutorHarness(url);

beforeAll(async () => {
  fake = await new FakeCalendar({
    // The second is the grant a new `ops login` gets.
    refreshTokens: { 'refresh-acme': 'ops@acme.example', 'refresh-acme-2': 'ops@acme.example' },
  }).start();
});
afterEach(async () => {
  await harness.closeAll();
  fake.clearFaults();
  fake.restoreGrant('refresh-acme');
});
afterAll(async () => {
  await fake.stop();
  await redis.quit();
});

function calendarAccount(refreshToken: string) {
  return CalendarAccountSchema.parse({
    clientId: 'c',
    clientSecret: 'client-secret-9',
    refreshToken,
    timeoutMs: 3000,
  });
}

function adapter(refreshToken = 'refresh-acme') {
  return new CalendarAdapter({
    accounts: new Map([['acme', calendarAccount(refreshToken)]]),
    rootUrl: fake.rootUrl,
    tokenUrl: fake.tokenUrl,
  });
}

async function start(prefix: string, refreshToken?: string, extra: Record<string, unknown> = {}) {
  return harness.start(adapter(refreshToken), {
    prefix,
    leaseTtlMs: 3000,
    backoff: { baseMs: 50, maxMs: 100 },
    ...extra,
  });
}

const create = (key: string, summary: string) => ({
  v: 1,
  idempotencyKey: key,
  action: 'calendar.create',
  account: 'acme',
  payload: {
    summary,
    start: { dateTime: '2026-12-01T10:00:00Z' },
    end: { dateTime: '2026-12-01T11:00:00Z' },
    attendees: [{ email: 'ada@example.com' }],
  },
});

function receiptsOf(prefix: string, n: number) {
  return settledReceipts(redis, prefix, 'calendar', n);
}

describe('calendar-executor with the real googleapis client', () => {
  it('creates the event under an id derived from the key; the receipt has its id and htmlLink', async () => {
    const prefix = testPrefix();
    await start(prefix);
    const key = `standup-${prefix}`;
    await xaddIntent(redis, prefix, 'calendar', create(key, `Standup ${prefix}`));
    const [receipt] = await receiptsOf(prefix, 1);
    const event = fake.event('primary', eventIdFor(key));
    expect(event).toMatchObject({ summary: `Standup ${prefix}`, attendees: [{ email: 'ada@example.com' }] });
    expect(receipt).toMatchObject({ status: 'succeeded', externalId: eventIdFor(key), url: event?.htmlLink });
  });

  it('a create whose event already exists (an earlier attempt made it) answers 409 and succeeds with that event', async () => {
    const prefix = testPrefix();
    const key = `exists-${prefix}`;
    const parsed = parseIntentJson(JSON.stringify(create(key, `Exists ${prefix}`)), { channel: 'calendar' });
    if (!parsed.ok) throw new Error(parsed.reason);
    await adapter().perform(parsed.intent);
    await start(prefix);
    await xaddIntent(redis, prefix, 'calendar', create(key, `Exists ${prefix}`));
    const [receipt] = await receiptsOf(prefix, 1);
    expect(fake.eventsWithSummary(`Exists ${prefix}`)).toHaveLength(1);
    expect(
      fake.calls.some((c) => c.method === 'POST' && c.eventId === null && c.answer?.status === 409),
    ).toBe(true);
    expect(receipt).toMatchObject({ status: 'succeeded', externalId: eventIdFor(key) });
  });

  it('update patches the event; deleting twice is done twice without an error', async () => {
    const prefix = testPrefix();
    await start(prefix);
    const key = `ev-${prefix}`;
    await xaddIntent(redis, prefix, 'calendar', create(key, `Before ${prefix}`));
    await receiptsOf(prefix, 1);
    const eventId = eventIdFor(key);
    await xaddIntent(redis, prefix, 'calendar', {
      v: 1,
      idempotencyKey: `up-${prefix}`,
      action: 'calendar.update',
      account: 'acme',
      payload: { eventId, summary: `After ${prefix}` },
    });
    await receiptsOf(prefix, 2);
    expect(fake.event('primary', eventId)?.summary).toBe(`After ${prefix}`);
    for (const n of [1, 2]) {
      await xaddIntent(redis, prefix, 'calendar', {
        v: 1,
        idempotencyKey: `del-${n}-${prefix}`,
        action: 'calendar.delete',
        account: 'acme',
        payload: { eventId },
      });
    }
    const all = await receiptsOf(prefix, 4);
    expect(all.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(fake.event('primary', eventId)?.status).toBe('cancelled');
  });

  it("Google's 403 rateLimitExceeded is a rate limit: retried later, one event", async () => {
    const prefix = testPrefix();
    await start(prefix);
    fake.inject(
      { kind: 'rate_limit', status: 403, reason: 'rateLimitExceeded', retryAfterSec: 1 },
      { method: 'POST', path: /\/events$/ },
    );
    await xaddIntent(redis, prefix, 'calendar', create(`rl-${prefix}`, `Limited ${prefix}`));
    const [receipt] = await receiptsOf(prefix, 1);
    expect(receipt?.status).toBe('succeeded');
    expect(fake.eventsWithSummary(`Limited ${prefix}`)).toHaveLength(1);
  });

  it('a revoked grant holds the account (needs_reauth, naming invalid_grant, no secret); after the login the event is created once', async () => {
    const prefix = testPrefix();
    const k = channelKeys(prefix, 'calendar');
    fake.revokeGrant('refresh-acme');
    await start(prefix, undefined, { reauthCheckMs: 200 });
    await xaddIntent(redis, prefix, 'calendar', create(`auth-${prefix}`, `Auth ${prefix}`));
    await waitFor(async () => (await redis.hlen(k.held)) === 1, 'the intent held');
    const record = JSON.parse((await redis.hget(k.accounts, 'acme')) ?? '{}');
    expect(record).toMatchObject({ status: 'needs_reauth' });
    expect(record.reason).toMatch(/invalid_grant/);
    for (const secret of ['refresh-acme', 'client-secret-9'])
      expect(JSON.stringify(record)).not.toContain(secret);
    expect(await receipts(redis, prefix, 'calendar')).toHaveLength(0);
    expect(await redis.xlen(k.deadletter)).toBe(0);

    fake.restoreGrant('refresh-acme');
    const [receipt] = await settledReceipts(redis, prefix, 'calendar', 1);
    expect(receipt).toMatchObject({ status: 'succeeded', idempotencyKey: `auth-${prefix}` });
    expect(fake.eventsWithSummary(`Auth ${prefix}`)).toHaveLength(1);
    expect(JSON.parse((await redis.hget(k.accounts, 'acme')) ?? '{}')).toMatchObject({ status: 'ok' });
  });

  it('a grant renewed in the secrets (a new refresh token from ops login) is used without a restart: the held event is created once', async () => {
    const prefix = testPrefix();
    const k = channelKeys(prefix, 'calendar');
    fake.revokeGrant('refresh-acme');
    // As the secrets file is now (run-executor's watchSecretsFile in production).
    let current = new Map([['acme', calendarAccount('refresh-acme')]]);
    const live = new CalendarAdapter({
      accounts: () => current,
      rootUrl: fake.rootUrl,
      tokenUrl: fake.tokenUrl,
    });
    await harness.start(live, {
      prefix,
      leaseTtlMs: 3000,
      backoff: { baseMs: 50, maxMs: 100 },
      reauthCheckMs: 200,
    });
    await xaddIntent(redis, prefix, 'calendar', create(`renewed-${prefix}`, `Renewed ${prefix}`));
    await waitFor(async () => (await redis.hlen(k.held)) === 1, 'the intent held');

    current = new Map([['acme', calendarAccount('refresh-acme-2')]]);
    const [receipt] = await settledReceipts(redis, prefix, 'calendar', 1);
    expect(receipt).toMatchObject({ status: 'succeeded', idempotencyKey: `renewed-${prefix}` });
    expect(fake.eventsWithSummary(`Renewed ${prefix}`)).toHaveLength(1);
    for (const old of ['refresh-acme', 'refresh-acme-2']) expect(live.secretValues()).toContain(old);
  });
});
