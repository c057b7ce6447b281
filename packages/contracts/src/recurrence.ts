/**
 * Recurrence lines as RFC 5545 writes them (§3.8.5) and as Google's `recurrence` field and a
 * CalDAV VEVENT take them: `RRULE:...`, `EXDATE...:...`, `RDATE...:...`. Checked at intake, so an
 * agent learns of a malformed rule when it submits, not when the calendar refuses it at release.
 */

/** What every accepted line starts with. */
export const RECURRENCE_LINE_PREFIX = /^(?:RRULE:|EXDATE[;:]|RDATE[;:])/;

const FREQ = new Set(['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']);
const WEEKDAY = '(?:SU|MO|TU|WE|TH|FR|SA)';
const DATE = '\\d{8}';
const DATE_TIME = '\\d{8}T\\d{6}Z?';

/** A comma list of integers within ±max (or 0..max when unsigned); 0 is refused where signed. */
function intList(value: string, min: number, max: number, signed: boolean): boolean {
  return value.split(',').every((part) => {
    if (!/^[+-]?\d{1,3}$/.test(part)) return false;
    if (!signed && /^[+-]/.test(part)) return false;
    const n = Math.abs(Number(part));
    return signed ? n >= 1 && n <= max : n >= min && n <= max;
  });
}

type PartRule = (value: string, freq: string) => string | null;

// §3.3.10, part by part: the range each BYxxx takes, and the rules that tie parts to FREQ.
const PARTS: Record<string, PartRule> = {
  FREQ: (v) => (FREQ.has(v) ? null : `FREQ must be one of ${[...FREQ].join(', ')}`),
  UNTIL: (v) =>
    new RegExp(`^(?:${DATE_TIME}|${DATE})$`).test(v) ? null : 'UNTIL must be a date or date-time',
  COUNT: (v) => (/^[1-9]\d{0,5}$/.test(v) ? null : 'COUNT must be a positive integer'),
  INTERVAL: (v) => (/^[1-9]\d{0,5}$/.test(v) ? null : 'INTERVAL must be a positive integer'),
  BYSECOND: (v) => (intList(v, 0, 60, false) ? null : 'BYSECOND takes 0 to 60'),
  BYMINUTE: (v) => (intList(v, 0, 59, false) ? null : 'BYMINUTE takes 0 to 59'),
  BYHOUR: (v) => (intList(v, 0, 23, false) ? null : 'BYHOUR takes 0 to 23'),
  BYDAY: (v, freq) => {
    const parts = v.split(',');
    if (!parts.every((p) => new RegExp(`^(?:[+-]?(?:[1-9]|[1-4]\\d|5[0-3]))?${WEEKDAY}$`).test(p))) {
      return 'BYDAY takes weekdays (SU..SA), optionally with an ordinal like 1MO or -1FR';
    }
    if (freq !== 'MONTHLY' && freq !== 'YEARLY' && parts.some((p) => /\d/.test(p))) {
      return 'BYDAY ordinals (like 1MO) need FREQ=MONTHLY or YEARLY';
    }
    return null;
  },
  BYMONTHDAY: (v, freq) =>
    freq === 'WEEKLY'
      ? 'BYMONTHDAY cannot be used with FREQ=WEEKLY'
      : intList(v, 1, 31, true)
        ? null
        : 'BYMONTHDAY takes 1 to 31 or -31 to -1',
  BYYEARDAY: (v, freq) =>
    ['DAILY', 'WEEKLY', 'MONTHLY'].includes(freq)
      ? 'BYYEARDAY cannot be used with FREQ=DAILY, WEEKLY or MONTHLY'
      : intList(v, 1, 366, true)
        ? null
        : 'BYYEARDAY takes 1 to 366 or -366 to -1',
  BYWEEKNO: (v, freq) =>
    freq !== 'YEARLY'
      ? 'BYWEEKNO needs FREQ=YEARLY'
      : intList(v, 1, 53, true)
        ? null
        : 'BYWEEKNO takes 1 to 53 or -53 to -1',
  BYMONTH: (v) => (intList(v, 1, 12, false) ? null : 'BYMONTH takes 1 to 12'),
  BYSETPOS: (v) => (intList(v, 1, 366, true) ? null : 'BYSETPOS takes 1 to 366 or -366 to -1'),
  WKST: (v) => (new RegExp(`^${WEEKDAY}$`).test(v) ? null : 'WKST must be a weekday (SU..SA)'),
};

/** Why an `RRULE:` line is not a valid RFC 5545 recurrence rule, or null when it is. */
export function rruleProblem(line: string): string | null {
  const body = line.slice('RRULE:'.length);
  if (!body) return 'RRULE: has no parts';
  const seen = new Map<string, string>();
  for (const part of body.split(';')) {
    const eq = part.indexOf('=');
    const name = eq > 0 ? part.slice(0, eq) : '';
    const value = eq > 0 ? part.slice(eq + 1) : '';
    if (!name || !value) return `RRULE: "${part.slice(0, 40)}" is not NAME=VALUE`;
    if (!(name in PARTS)) return `RRULE: unknown part ${name.slice(0, 20)}`;
    if (seen.has(name)) return `RRULE: ${name} appears twice`;
    seen.set(name, value);
  }
  const freq = seen.get('FREQ');
  if (!freq) return 'RRULE: FREQ is required';
  if (seen.has('UNTIL') && seen.has('COUNT')) return 'RRULE: UNTIL and COUNT cannot both be given';
  if (seen.has('BYSETPOS') && [...seen.keys()].filter((k) => k.startsWith('BY')).length < 2) {
    return 'RRULE: BYSETPOS needs another BYxxx part';
  }
  for (const [name, value] of seen) {
    const problem = (PARTS[name] as PartRule)(value, freq);
    if (problem) return `RRULE: ${problem}`;
  }
  return null;
}

const DATE_LIST = new RegExp(
  `^(?:EXDATE|RDATE)(?:;VALUE=DATE(?::${DATE}(?:,${DATE})*)$|(?:;TZID=[A-Za-z0-9_+/-]{1,64})?(?::${DATE_TIME}(?:,${DATE_TIME})*)$)`,
);

/** Why a recurrence line is refused, or null: an RRULE (checked part by part), EXDATE or RDATE. */
export function recurrenceLineProblem(line: string): string | null {
  if (line.startsWith('RRULE:')) return rruleProblem(line);
  if (line.startsWith('EXDATE') || line.startsWith('RDATE')) {
    return DATE_LIST.test(line)
      ? null
      : `${line.startsWith('EXDATE') ? 'EXDATE' : 'RDATE'} must be like EXDATE:20261224T100000Z or EXDATE;VALUE=DATE:20261224`;
  }
  return 'must be an RRULE:, EXDATE or RDATE line (RFC 5545)';
}
