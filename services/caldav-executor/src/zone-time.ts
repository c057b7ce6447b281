import { NonRetryableError } from '@agent-ops/contracts/errors';
import ICAL from 'ical.js';
import { tzlib_get_ical_block } from 'timezones-ical-library';

/**
 * An instant as wall time in an IANA zone, for `DTSTART;TZID=<zone>:<local time>`. RFC 5545
 * expands a rule in the zone of its DTSTART: a weekly 10:00 in Europe/Berlin stays at 10:00
 * across daylight saving, where the same rule on a UTC time would move by an hour.
 */
export function wallTime(instant: string, zone: string): ICAL.Time {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  return ICAL.Time.fromData({
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    isDate: false,
  });
}

/**
 * The VTIMEZONE a TZID needs in the same object (RFC 5545 §3.6.5: "MUST be specified for each
 * unique TZID"), from timezones-ical-library's copy of the IANA database.
 */
export function vtimezone(zone: string): ICAL.Component {
  const block = tzlib_get_ical_block(zone);
  if (!Array.isArray(block) || !block[0]) {
    throw new NonRetryableError(`no time zone definition for ${zone.slice(0, 64)}`, 'unknown_time_zone');
  }
  return ICAL.Component.fromString(block[0]);
}
