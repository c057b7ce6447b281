import { createHash } from 'node:crypto';
import type { IntentOf } from '@agent-ops/contracts/intent';
import ICAL from 'ical.js';
import { wallTime } from './zone-time.ts';

type CreatePayload = IntentOf<'caldav.create'>['payload'];
/** The VEVENT fields an intent sets; an update carries any of them. */
export type EventFields = Partial<
  Pick<CreatePayload, 'summary' | 'description' | 'location' | 'start' | 'end' | 'recurrence'>
>;

export const MANAGED_FIELDS = ['summary', 'description', 'location', 'start', 'end', 'recurrence'] as const;
export type ManagedField = (typeof MANAGED_FIELDS)[number];

/** What agent-ops last wrote, field by field (hashes), kept in the event itself. */
export const BASELINE_PROPERTY = 'x-agent-ops-fields';

const RECURRENCE_PROPS = ['rrule', 'exdate', 'rdate'] as const;

function timeOf(vevent: ICAL.Component, name: 'dtstart' | 'dtend'): string {
  const prop = vevent.getFirstProperty(name);
  const value = prop?.getFirstValue();
  if (!prop || !(value instanceof ICAL.Time)) return '';
  if (value.isDate) return `d:${value.toString()}`;
  const tzid = prop.getParameter('tzid');
  // A zone we have no definition for is compared as written; UTC as an instant.
  if (typeof tzid === 'string') return `z:${tzid}:${value.toString()}`;
  return value.zone?.tzid === 'UTC' ? `t:${value.toJSDate().getTime()}` : `f:${value.toString()}`;
}

function timeOfPayload(t: CreatePayload['start'] | undefined): string {
  if (!t) return '';
  if ('date' in t) return `d:${t.date}`;
  if (t.timeZone) return `z:${t.timeZone}:${wallTime(t.dateTime, t.timeZone).toString()}`;
  // The server keeps whole seconds.
  return `t:${Math.floor(Date.parse(t.dateTime) / 1000) * 1000}`;
}

/** Recurrence lines in ical.js's own rendering, sorted, so that either side compares alike. */
function canonicalLines(lines: readonly string[]): string {
  return lines
    .map((l) => ICAL.Property.fromString(l).toICALString())
    .sort()
    .join('\n');
}

/** A field's value in the stored VEVENT, as comparable text. */
export function storedValue(field: ManagedField, vevent: ICAL.Component): string {
  switch (field) {
    case 'start':
      return timeOf(vevent, 'dtstart');
    case 'end':
      return timeOf(vevent, 'dtend');
    case 'recurrence':
      return canonicalLines(
        RECURRENCE_PROPS.flatMap((n) => vevent.getAllProperties(n).map((p) => p.toICALString())),
      );
    default: {
      const v = vevent.getFirstPropertyValue(field);
      return typeof v === 'string' ? v : '';
    }
  }
}

/** The same, for the value an intent sets. */
export function intendedValue(field: ManagedField, fields: EventFields): string {
  switch (field) {
    case 'start':
    case 'end':
      return timeOfPayload(fields[field]);
    case 'recurrence':
      return canonicalLines(fields.recurrence ?? []);
    default:
      return fields[field] ?? '';
  }
}

export function touchedFields(fields: EventFields): ManagedField[] {
  return MANAGED_FIELDS.filter((f) => fields[f] !== undefined);
}

function digest(field: ManagedField, value: string): string {
  return createHash('sha256').update(`${field}\n${value}`).digest('base64url').slice(0, 12);
}

/** `summary.<hash>~start.<hash>~...`: only characters no ICS value needs to escape. */
export function baselineOf(vevent: ICAL.Component): string {
  return MANAGED_FIELDS.map((f) => `${f}.${digest(f, storedValue(f, vevent))}`).join('~');
}

/** Whether the stored event already shows every field the intent sets. */
export function shows(vevent: ICAL.Component, fields: EventFields): boolean {
  return touchedFields(fields).every((f) => storedValue(f, vevent) === intendedValue(f, fields));
}

/**
 * The fields the update would overwrite that someone changed since agent-ops last wrote the
 * event; none when it has no baseline (agent-ops did not write it, or the server dropped it).
 */
export function changedSinceOurWrite(vevent: ICAL.Component, fields: EventFields): ManagedField[] {
  const stored = vevent.getFirstPropertyValue(BASELINE_PROPERTY);
  if (typeof stored !== 'string' || !stored) return [];
  const baseline = new Map(stored.split('~').map((pair) => pair.split('.') as [string, string]));
  return touchedFields(fields).filter((f) => {
    const was = baseline.get(f);
    return was !== undefined && was !== digest(f, storedValue(f, vevent));
  });
}
