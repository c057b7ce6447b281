import ICAL from 'ical.js';
import { BASELINE_PROPERTY, baselineOf, type EventFields } from './event-fields.ts';
import { vtimezone, wallTime } from './zone-time.ts';

/**
 * iCalendar (RFC 5545) through ical.js (Mozilla's parser and writer, used by Thunderbird): it
 * escapes TEXT values (backslash, comma, semicolon, newline), folds lines at 75 octets and ends
 * them with CRLF, and keeps every property it does not know when an event is read and written
 * back, so an update changes only the fields it sets.
 */

const PRODID = '-//agent-ops//caldav-executor//EN';
/** The idempotency key that made the event: reconcile's proof that an object is ours. */
export const KEY_PROPERTY = 'x-agent-ops-key';
/** A digest of the create intent: tells our own event from another intent under the same key. */
export const INTENT_PROPERTY = 'x-agent-ops-intent';

function timeValue(t: NonNullable<EventFields['start']>): ICAL.Time {
  if ('date' in t) return ICAL.Time.fromDateString(t.date);
  return t.timeZone ? wallTime(t.dateTime, t.timeZone) : ICAL.Time.fromJSDate(new Date(t.dateTime), true);
}

/** Adds the zone's VTIMEZONE to the object unless it has one (RFC 5545 sets no order of components). */
function ensureZone(vcal: ICAL.Component, zone: string): void {
  if (vcal.getAllSubcomponents('vtimezone').some((c) => c.getFirstPropertyValue('tzid') === zone)) return;
  vcal.addSubcomponent(vtimezone(zone));
}

function setText(vevent: ICAL.Component, name: string, value: string | undefined): void {
  if (value === undefined) return;
  if (value === '') vevent.removeAllProperties(name);
  else vevent.updatePropertyWithValue(name, value);
}

function setTime(vevent: ICAL.Component, name: 'dtstart' | 'dtend', value: EventFields['start']): void {
  if (value === undefined) return;
  // Replaced whole: a TZID or VALUE parameter of the old value must not survive.
  vevent.removeAllProperties(name);
  const prop = vevent.addPropertyWithValue(name, timeValue(value));
  if ('dateTime' in value && value.timeZone) prop.setParameter('tzid', value.timeZone);
  if (name === 'dtend') vevent.removeAllProperties('duration');
}

function zonesOf(fields: EventFields): string[] {
  return [fields.start, fields.end].flatMap((t) => (t && 'dateTime' in t && t.timeZone ? [t.timeZone] : []));
}

/** Writes the fields an intent sets into a VEVENT; the ones it does not set stay as they are. */
export function setFields(vevent: ICAL.Component, fields: EventFields): void {
  setText(vevent, 'summary', fields.summary);
  setText(vevent, 'description', fields.description);
  setText(vevent, 'location', fields.location);
  setTime(vevent, 'dtstart', fields.start);
  setTime(vevent, 'dtend', fields.end);
  if (fields.recurrence !== undefined) {
    for (const name of ['rrule', 'exdate', 'rdate']) vevent.removeAllProperties(name);
    for (const line of fields.recurrence) vevent.addProperty(ICAL.Property.fromString(line));
  }
}

function stamp(vevent: ICAL.Component, now: Date): void {
  vevent.updatePropertyWithValue('dtstamp', ICAL.Time.fromJSDate(now, true));
  vevent.updatePropertyWithValue(BASELINE_PROPERTY, baselineOf(vevent));
}

export function buildEvent(o: {
  uid: string;
  key: string;
  intentDigest: string;
  fields: EventFields;
  now: Date;
}): string {
  const vcal = new ICAL.Component(['vcalendar', [], []]);
  vcal.updatePropertyWithValue('version', '2.0');
  vcal.updatePropertyWithValue('prodid', PRODID);
  const vevent = new ICAL.Component('vevent');
  vevent.updatePropertyWithValue('uid', o.uid);
  vevent.updatePropertyWithValue('created', ICAL.Time.fromJSDate(o.now, true));
  vevent.updatePropertyWithValue('sequence', 0);
  setFields(vevent, o.fields);
  vevent.updatePropertyWithValue(KEY_PROPERTY, o.key);
  vevent.updatePropertyWithValue(INTENT_PROPERTY, o.intentDigest);
  stamp(vevent, o.now);
  vcal.addSubcomponent(vevent);
  for (const zone of zonesOf(o.fields)) ensureZone(vcal, zone);
  return serialize(vcal);
}

/** Every content line ends with CRLF (RFC 5545 §3.1), the last one too. */
function serialize(vcal: ICAL.Component): string {
  return `${vcal.toString()}\r\n`;
}

export type StoredEvent = { vcal: ICAL.Component; vevent: ICAL.Component };

/** The calendar object and its master VEVENT (the one without RECURRENCE-ID), or null if it has none. */
export function parseEvent(ics: string): StoredEvent | null {
  let vcal: ICAL.Component;
  try {
    vcal = ICAL.Component.fromString(ics);
  } catch {
    return null;
  }
  const vevent = vcal.getAllSubcomponents('vevent').find((c) => !c.hasProperty('recurrence-id'));
  return vevent ? { vcal, vevent } : null;
}

/** The object with the update's fields set, its SEQUENCE raised (RFC 5545 §3.8.7.4) and a new baseline. */
export function updatedEvent(stored: StoredEvent, fields: EventFields, now: Date): string {
  const { vcal, vevent } = stored;
  setFields(vevent, fields);
  for (const zone of zonesOf(fields)) ensureZone(vcal, zone);
  const sequence = Number(vevent.getFirstPropertyValue('sequence') ?? 0);
  vevent.updatePropertyWithValue('sequence', Number.isFinite(sequence) ? sequence + 1 : 1);
  vevent.updatePropertyWithValue('last-modified', ICAL.Time.fromJSDate(now, true));
  stamp(vevent, now);
  return serialize(vcal);
}
