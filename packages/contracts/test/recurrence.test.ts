import { describe, expect, it } from 'vitest';
import { IntentSchema } from '../src/intent.ts';
import { recurrenceLineProblem } from '../src/recurrence.ts';

function issues(action: string, payload: Record<string, unknown>): string[] {
  const r = IntentSchema.safeParse({ v: 1, idempotencyKey: 'k-1', action, account: 'acme', payload });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

const whole = { summary: 'Standup', start: { date: '2026-12-01' }, end: { date: '2026-12-02' } };

describe('recurrence lines (RFC 5545 §3.3.10, §3.8.5)', () => {
  it.each([
    'RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=10',
    'RRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20271231T235959Z',
    'RRULE:FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO',
    'RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
    'EXDATE:20261224T100000Z,20261231T100000Z',
    'EXDATE;VALUE=DATE:20261224',
    'RDATE;TZID=Europe/Berlin:20261224T100000',
  ])('accepts %s', (line) => {
    expect(recurrenceLineProblem(line)).toBeNull();
  });

  it.each([
    ['RRULE:BYDAY=MO', 'FREQ is required'],
    ['RRULE:FREQ=FORTNIGHTLY', 'FREQ must be one of'],
    ['RRULE:FREQ=DAILY;COUNT=3;UNTIL=20261231', 'UNTIL and COUNT cannot both be given'],
    ['RRULE:FREQ=WEEKLY;BYDAY=1MO', 'BYDAY ordinals'],
    ['RRULE:FREQ=WEEKLY;BYMONTHDAY=3', 'BYMONTHDAY cannot be used with FREQ=WEEKLY'],
    ['RRULE:FREQ=MONTHLY;BYWEEKNO=3', 'BYWEEKNO needs FREQ=YEARLY'],
    ['RRULE:FREQ=DAILY;BYHOUR=24', 'BYHOUR takes 0 to 23'],
    ['RRULE:FREQ=DAILY;FREQ=WEEKLY', 'FREQ appears twice'],
    ['RRULE:FREQ=MONTHLY;BYSETPOS=1', 'BYSETPOS needs another'],
    ['RRULE:FREQ=DAILY;COLOR=RED', 'unknown part COLOR'],
    ['EXDATE:2026-12-24', 'EXDATE must be like'],
  ])('refuses %s (%s)', (line, why) => {
    expect(recurrenceLineProblem(line)).toContain(why);
  });

  it('are checked at intake for Google and CalDAV events alike, naming the line', () => {
    const bad = { ...whole, recurrence: ['RRULE:FREQ=DAILY;COUNT=0'] };
    expect(issues('calendar.create', bad)).toEqual([
      'payload.recurrence.0: RRULE: COUNT must be a positive integer',
    ]);
    expect(issues('caldav.create', bad)).toEqual([
      'payload.recurrence.0: RRULE: COUNT must be a positive integer',
    ]);
    expect(issues('calendar.create', { ...whole, recurrence: ['DTSTART:20261201'] })).toEqual([
      'payload.recurrence.0: must be an RRULE:, EXDATE or RDATE line (RFC 5545)',
    ]);
    expect(
      issues('caldav.create', { ...whole, recurrence: ['RRULE:FREQ=DAILY', 'RRULE:FREQ=WEEKLY'] }),
    ).toEqual(['payload.recurrence: at most one RRULE line (RFC 5545 says it should not occur twice)']);
  });
});

describe('calendar and caldav payloads', () => {
  it('a recurring Google event with a dateTime names its time zone', () => {
    const timed = {
      summary: 'Standup',
      start: { dateTime: '2026-12-01T10:00:00+01:00' },
      end: { dateTime: '2026-12-01T10:15:00+01:00', timeZone: 'Europe/Berlin' },
      recurrence: ['RRULE:FREQ=WEEKLY'],
    };
    expect(issues('calendar.create', timed)).toEqual([
      'payload.start.timeZone: a recurring event needs the time zone its rule repeats in (e.g. Europe/Berlin)',
    ]);
    expect(
      issues('calendar.create', { ...timed, start: { ...timed.start, timeZone: 'Europe/Berlin' } }),
    ).toEqual([]);
  });

  it('sendUpdates takes all, externalOnly or none', () => {
    expect(issues('calendar.create', { ...whole, sendUpdates: 'externalOnly', meet: true })).toEqual([]);
    expect(issues('calendar.create', { ...whole, sendUpdates: 'everyone' })[0]).toMatch(
      /^payload.sendUpdates: /,
    );
    expect(issues('calendar.delete', { eventId: 'abcde12345', sendUpdates: 'none' })).toEqual([]);
    // sendUpdates alone changes nothing about the event.
    expect(issues('calendar.update', { eventId: 'abcde12345', sendUpdates: 'all' })).toEqual([
      'payload.summary: an update must change at least one field',
    ]);
  });

  it('a caldav intent names a configured calendar and an object name, never a URL', () => {
    expect(issues('caldav.create', whole)).toEqual([]);
    expect(issues('caldav.update', { object: 'ao-1234.ics', summary: 'Later' })).toEqual([]);
    expect(issues('caldav.delete', { calendar: 'Home', object: 'x.ics' })[0]).toMatch(/^payload.calendar: /);
    expect(issues('caldav.delete', { object: '../other/x.ics' })[0]).toMatch(/^payload.object: /);
    expect(issues('caldav.delete', { object: 'https://evil.example/x.ics' })[0]).toMatch(/^payload.object: /);
    const berlin = { dateTime: '2026-12-01T10:00:00+01:00', timeZone: 'Europe/Berlin' };
    expect(issues('caldav.create', { ...whole, start: berlin, end: berlin })).toEqual([]);
    expect(
      issues('caldav.create', { ...whole, start: { ...berlin, timeZone: 'Mars/Olympus' } }),
    ).toHaveLength(1);
  });
});
