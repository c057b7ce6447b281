import { FaultProxy } from '@agent-ops/testkit/fault-proxy';
import { ExecutorHarness, settledReceipts } from '@agent-ops/testkit/in-process';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { type RadicaleServer, startRadicale } from '@agent-ops/testkit/radicale';
import { xaddIntent } from '@agent-ops/testkit/streams';
import ICAL from 'ical.js';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { CaldavAdapter } from '../src/caldav-adapter.ts';
import { CaldavAccountSchema } from '../src/caldav-secrets.ts';
import { objectNameFor, uidFor } from '../src/object-name.ts';

const PASSWORD = 'app-specific-pw-7f3k';
const url = inject('redisUrl');
const redis = redisClient(url);
const harness = new ExecutorHarness(url);
let radicale: RadicaleServer;
let proxy: FaultProxy;
let collection: string;

beforeAll(async () => {
  radicale = await startRadicale({ ada: PASSWORD });
  collection = await radicale.makeCalendar('ada', 'work', 'Work');
  proxy = await new FaultProxy(radicale.url, { method: 'PUT', path: /\.ics$/ }).start();
});
afterEach(async () => {
  await harness.closeAll();
  proxy.clearFaults();
  proxy.onRequest = null;
});
afterAll(async () => {
  await proxy.stop();
  await radicale.stop();
  await redis.quit();
});

const viaProxy = () => collection.replace(radicale.url, `${proxy.url}/`);

async function start(prefix: string, account: Record<string, unknown> = {}) {
  const a = CaldavAccountSchema.parse({
    username: 'ada',
    password: PASSWORD,
    calendars: { default: { url: viaProxy() } },
    timeoutMs: 3000,
    ...account,
  });
  return harness.start(new CaldavAdapter({ accounts: new Map([['acme', a]]) }), {
    prefix,
    leaseTtlMs: 3000,
    backoff: { baseMs: 50, maxMs: 100 },
  });
}

function intent(key: string, action: string, payload: Record<string, unknown>) {
  return { v: 1, idempotencyKey: key, action, account: 'acme', payload };
}

const hour = {
  start: { dateTime: '2026-12-01T10:00:00+01:00' },
  end: { dateTime: '2026-12-01T11:00:00+01:00' },
};

/** The stored object as the server keeps it, parsed: what a CalDAV client would see. */
function stored(name: string) {
  const object = radicale.objects('ada', 'work').find((o) => o.name === name);
  if (!object) return null;
  const vevent = ICAL.Component.fromString(object.ics).getFirstSubcomponent('vevent') as ICAL.Component;
  return { ics: object.ics, vevent, value: (p: string) => vevent.getFirstPropertyValue(p) };
}

/** A person's CalDAV client (Apple Calendar, say) writing straight to the server. */
async function personEdits(name: string, edit: (vevent: ICAL.Component) => void) {
  const auth = { authorization: `Basic ${Buffer.from(`ada:${PASSWORD}`).toString('base64')}` };
  const res = await fetch(`${collection}${name}`, { headers: auth });
  const vcal = ICAL.Component.fromString(await res.text());
  edit(vcal.getFirstSubcomponent('vevent') as ICAL.Component);
  const put = await fetch(`${collection}${name}`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'text/calendar', 'if-match': res.headers.get('etag') ?? '' },
    body: vcal.toString(),
  });
  expect(put.status).toBe(201);
}

describe('caldav-executor against radicale, with tsdav', () => {
  it('creates the event with If-None-Match at a URL and UID from the key, escaped and folded', async () => {
    const prefix = testPrefix();
    await start(prefix);
    const key = `standup-${prefix}`;
    const summary = `Standup, daily; with a \\ and a summary long enough to be folded at 75 octets (${prefix})`;
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(key, 'caldav.create', {
        summary,
        description: 'line one\nline two',
        ...hour,
        recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10', 'EXDATE:20261208T090000Z'],
      }),
    );
    const [receipt] = await settledReceipts(redis, prefix, 'caldav', 1);
    const name = objectNameFor(key);
    expect(receipt).toMatchObject({ status: 'succeeded', externalId: name, url: null });
    const event = stored(name);
    expect(event?.value('uid')).toBe(uidFor(key));
    expect(event?.value('summary')).toBe(summary);
    expect(event?.value('description')).toBe('line one\nline two');
    expect(String(event?.value('dtstart'))).toBe('2026-12-01T09:00:00Z');
    expect(event?.ics).toMatch(/\r\nRRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10\r\n/);
    const [put] = proxy.calls.filter((c) => c.method === 'PUT' && c.path.endsWith(name));
    expect(put?.headers['if-none-match']).toBe('*');
    expect(put?.body).toMatch(/SUMMARY:Standup\\, daily\\; with a \\\\ and/);
    expect(put?.body.split('\r\n').every((line) => Buffer.byteLength(line) <= 76)).toBe(true);
  });

  it('a create whose object is already there (412) reads it back: ours succeeds once, a foreign one fails', async () => {
    const prefix = testPrefix();
    await start(prefix);
    const key = `twice-${prefix}`;
    proxy.inject({ kind: 'act_then_drop' });
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(key, 'caldav.create', { summary: `Twice ${prefix}`, ...hour }),
    );
    const [receipt] = await settledReceipts(redis, prefix, 'caldav', 1);
    expect(receipt).toMatchObject({ status: 'succeeded', externalId: objectNameFor(key) });
    const puts = proxy.calls.filter((c) => c.method === 'PUT' && c.path.endsWith(objectNameFor(key)));
    expect(puts.map((c) => c.upstream?.status)).toEqual([201, 412]);
    expect(radicale.objects('ada', 'work').filter((o) => o.ics.includes(`Twice ${prefix}`))).toHaveLength(1);

    // Someone else's event at the URL of a key: never taken for ours.
    const foreignKey = `foreign-${prefix}`;
    const auth = { authorization: `Basic ${Buffer.from(`ada:${PASSWORD}`).toString('base64')}` };
    const ics = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//person//EN\r\nBEGIN:VEVENT\r\nUID:someone-else\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:20261201T100000Z\r\nSUMMARY:Mine\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
    expect(
      (await fetch(`${collection}${objectNameFor(foreignKey)}`, { method: 'PUT', headers: auth, body: ics }))
        .status,
    ).toBe(201);
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(foreignKey, 'caldav.create', { summary: `F ${prefix}`, ...hour }),
    );
    const [, failed] = await settledReceipts(redis, prefix, 'caldav', 2);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'conflict' } });
    expect(stored(objectNameFor(foreignKey))?.value('summary')).toBe('Mine');
  });

  it('updates with If-Match on the etag it read; a field a person changed is not overwritten', async () => {
    const prefix = testPrefix();
    await start(prefix);
    const key = `ev-${prefix}`;
    const name = objectNameFor(key);
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(key, 'caldav.create', { summary: `Mine ${prefix}`, ...hour }),
    );
    await settledReceipts(redis, prefix, 'caldav', 1);
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(`up1-${prefix}`, 'caldav.update', { object: name, location: 'Room 4' }),
    );
    const [, moved] = await settledReceipts(redis, prefix, 'caldav', 2);
    expect(moved?.status).toBe('succeeded');
    const update = proxy.calls.filter((c) => c.method === 'PUT' && c.path.endsWith(name)).at(-1);
    expect(update?.headers['if-match']).toMatch(/^".+"$/);
    expect(stored(name)?.value('location')).toBe('Room 4');
    expect(stored(name)?.value('sequence')).toBe(1);

    await personEdits(name, (v) => v.updatePropertyWithValue('summary', 'Renamed by Ada'));
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(`up2-${prefix}`, 'caldav.update', { object: name, summary: `Agent ${prefix}` }),
    );
    const [, , conflict] = await settledReceipts(redis, prefix, 'caldav', 3);
    expect(conflict).toMatchObject({ status: 'failed', error: { code: 'conflict', retryable: false } });
    expect(conflict?.error?.message).toMatch(/summary changed by someone else/);
    expect(stored(name)?.value('summary')).toBe('Renamed by Ada');
  });

  it('a person writing between the read and the PUT: 412, then a clear conflict; a lost answer is done without a second write', async () => {
    const prefix = testPrefix();
    // The person's edit (a GET and a PUT at radicale) runs while the executor's PUT waits in the
    // proxy, so it counts against that request's timeout: 3 s is short on a loaded machine.
    await start(prefix, { timeoutMs: 15_000 });
    const key = `race-${prefix}`;
    const name = objectNameFor(key);
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(key, 'caldav.create', { summary: `Race ${prefix}`, ...hour }),
    );
    await settledReceipts(redis, prefix, 'caldav', 1);
    proxy.onRequest = async (call) => {
      if (call.method === 'PUT' && call.headers['if-match']) {
        proxy.onRequest = null;
        await personEdits(name, (v) => v.updatePropertyWithValue('location', 'Moved by Ada'));
      }
    };
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(`race-up-${prefix}`, 'caldav.update', { object: name, summary: `Agent ${prefix}` }),
    );
    const [, receipt] = await settledReceipts(redis, prefix, 'caldav', 2, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}; the person's edit: ${proxy.hookErrors.join('; ') || 'no error'}`);
    });
    // The person's edit itself went through (an assertion failing in it shows here by name).
    expect(proxy.hookErrors).toEqual([]);
    expect(receipt).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'conflict' } });
    expect(receipt?.error?.message).toMatch(/412/);
    expect(stored(name)?.value('summary')).toBe(`Race ${prefix}`);

    proxy.inject({ kind: 'act_then_drop' });
    const before = proxy.calls.filter((c) => c.method === 'PUT').length;
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(`lost-${prefix}`, 'caldav.update', { object: name, summary: `Lost ${prefix}` }),
    );
    const [, , done] = await settledReceipts(redis, prefix, 'caldav', 3);
    expect(done?.status).toBe('succeeded');
    expect(proxy.calls.filter((c) => c.method === 'PUT').length - before).toBe(1);
    expect(stored(name)?.value('summary')).toBe(`Lost ${prefix}`);
  });

  it('a weekly event in a time zone keeps its local hour across daylight saving (TZID with a VTIMEZONE)', async () => {
    const prefix = testPrefix();
    await start(prefix);
    const key = `weekly-${prefix}`;
    const name = objectNameFor(key);
    const berlin = (dateTime: string) => ({ dateTime, timeZone: 'Europe/Berlin' });
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(key, 'caldav.create', {
        summary: `Weekly ${prefix}`,
        start: berlin('2026-12-01T10:00:00+01:00'),
        end: berlin('2026-12-01T10:30:00+01:00'),
        recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=30'],
      }),
    );
    const [receipt] = await settledReceipts(redis, prefix, 'caldav', 1);
    expect(receipt?.status).toBe('succeeded');
    const object = radicale.objects('ada', 'work').find((o) => o.name === name)?.ics ?? '';
    expect(object).toMatch(/\r\nDTSTART;TZID=Europe\/Berlin:20261201T100000\r\n/);
    // Expanded by ical.js with the VTIMEZONE the object carries: 10:00 in winter and in summer.
    const vcal = ICAL.Component.fromString(object);
    const zone = new ICAL.Timezone(vcal.getFirstSubcomponent('vtimezone') as ICAL.Component);
    ICAL.TimezoneService.register(zone, 'Europe/Berlin');
    const event = new ICAL.Event(vcal.getFirstSubcomponent('vevent') as ICAL.Component);
    const it = event.iterator();
    const utc: string[] = [];
    for (let next = it.next(); next && utc.length < 30; next = it.next())
      utc.push(next.toJSDate().toISOString());
    expect(utc[0]).toBe('2026-12-01T09:00:00.000Z');
    expect(utc).toContain('2027-04-06T08:00:00.000Z');
    ICAL.TimezoneService.remove('Europe/Berlin');

    // The same time again is already shown: done without a write.
    const puts = proxy.calls.filter((c) => c.method === 'PUT').length;
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(`same-${prefix}`, 'caldav.update', { object: name, start: berlin('2026-12-01T09:00:00Z') }),
    );
    const [, same] = await settledReceipts(redis, prefix, 'caldav', 2);
    expect(same?.status).toBe('succeeded');
    expect(proxy.calls.filter((c) => c.method === 'PUT').length).toBe(puts);
  });

  it('deletes; deleting again (404) is done too', async () => {
    const prefix = testPrefix();
    await start(prefix);
    const key = `del-${prefix}`;
    const name = objectNameFor(key);
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(key, 'caldav.create', {
        summary: `Del ${prefix}`,
        start: { date: '2026-12-24' },
        end: { date: '2026-12-25' },
      }),
    );
    await settledReceipts(redis, prefix, 'caldav', 1);
    expect(stored(name)?.ics).toMatch(/DTSTART;VALUE=DATE:20261224/);
    for (const n of [1, 2])
      await xaddIntent(
        redis,
        prefix,
        'caldav',
        intent(`del-${n}-${prefix}`, 'caldav.delete', { object: name }),
      );
    const all = await settledReceipts(redis, prefix, 'caldav', 3);
    expect(all.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(stored(name)).toBeNull();
    const deletes = proxy.calls.filter((c) => c.method === 'DELETE' && c.path.endsWith(name));
    // The two deletes may run at once, in either order: one removes it, the other finds nothing.
    expect(deletes.map((c) => c.upstream?.status).sort()).toEqual([200, 404]);
  });

  it('finds the calendar by display name through discovery; an unknown calendar is rejected', async () => {
    const prefix = testPrefix();
    await start(prefix, { serverUrl: `${proxy.url}/`, calendars: { default: { displayName: 'Work' } } });
    const key = `found-${prefix}`;
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(key, 'caldav.create', { summary: `Found ${prefix}`, ...hour }),
    );
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(`nope-${prefix}`, 'caldav.create', { calendar: 'family', summary: 'x', ...hour }),
    );
    const byKey = new Map(
      (await settledReceipts(redis, prefix, 'caldav', 2)).map((r) => [r.idempotencyKey, r]),
    );
    expect(byKey.get(key)?.status).toBe('succeeded');
    expect(stored(objectNameFor(key))?.value('summary')).toBe(`Found ${prefix}`);
    expect(byKey.get(`nope-${prefix}`)).toMatchObject({
      status: 'rejected',
      error: { code: 'unknown_calendar' },
    });
  });

  it('a wrong password fails at once as unauthorized, and the password is in no record', async () => {
    const prefix = testPrefix();
    await start(prefix, { password: 'wrong-password-123' });
    await xaddIntent(
      redis,
      prefix,
      'caldav',
      intent(`auth-${prefix}`, 'caldav.create', { summary: 'x', ...hour }),
    );
    const [receipt] = await settledReceipts(redis, prefix, 'caldav', 1);
    expect(receipt).toMatchObject({ status: 'failed', error: { code: 'unauthorized' } });
    const text = JSON.stringify(receipt);
    expect(text).not.toContain('wrong-password-123');
    expect(text).not.toContain(Buffer.from('ada:wrong-password-123').toString('base64'));
  });
});
