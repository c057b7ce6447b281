import { createHash } from 'node:crypto';
import type { IntentOf } from '@agent-ops/contracts/intent';
import type { calendar_v3 } from '@googleapis/calendar';

type CreatePayload = IntentOf<'calendar.create'>['payload'];
/** The event fields an intent sets; update payloads carry any of them. */
export type EventFields = Partial<
  Pick<CreatePayload, 'summary' | 'description' | 'location' | 'start' | 'end' | 'attendees' | 'recurrence'>
>;

/** The fields agent-ops writes and compares, in a fixed order. */
export const MANAGED_FIELDS = [
  'summary',
  'description',
  'location',
  'start',
  'end',
  'attendees',
  'recurrence',
] as const;
export type ManagedField = (typeof MANAGED_FIELDS)[number];

/** The private extended property that holds what agent-ops last wrote, field by field. */
export const BASELINE_PROPERTY = 'agentOpsFields';

export function eventBody(p: EventFields): calendar_v3.Schema$Event {
  const body: calendar_v3.Schema$Event = {};
  if (p.summary !== undefined) body.summary = p.summary;
  if (p.description !== undefined) body.description = p.description;
  if (p.location !== undefined) body.location = p.location;
  if (p.start !== undefined) body.start = p.start;
  if (p.end !== undefined) body.end = p.end;
  if (p.attendees !== undefined) body.attendees = p.attendees;
  if (p.recurrence !== undefined) body.recurrence = p.recurrence;
  return body;
}

function time(t: calendar_v3.Schema$EventDateTime | undefined | null): string {
  if (!t) return '';
  if (t.date) return `d:${t.date}`;
  // Google answers a dateTime in its own rendering (another offset): compare the instant.
  return t.dateTime ? `t:${Date.parse(t.dateTime)}` : '';
}

/**
 * A field's value as comparable text, whether it comes from an intent or from Google's answer:
 * instants instead of renderings, guests by address (Google adds responseStatus and more).
 */
export function normalized(field: ManagedField, e: calendar_v3.Schema$Event | EventFields): string {
  switch (field) {
    case 'start':
    case 'end':
      return time(e[field]);
    case 'attendees':
      return [...new Set((e.attendees ?? []).map((a) => `${a.email?.toLowerCase()}${a.optional ? '?' : ''}`))]
        .sort()
        .join(',');
    case 'recurrence':
      return (e.recurrence ?? []).join('\n');
    default:
      return e[field] ?? '';
  }
}

function digest(field: ManagedField, value: string): string {
  return createHash('sha256').update(`${field}\n${value}`).digest('base64url').slice(0, 12);
}

/** `summary:<hash>,start:<hash>,...` of the given field values: well under Google's 1024 characters. */
export function baselineOf(values: Record<ManagedField, string>): string {
  return MANAGED_FIELDS.map((f) => `${f}:${digest(f, values[f])}`).join(',');
}

export function currentValues(e: calendar_v3.Schema$Event): Record<ManagedField, string> {
  return Object.fromEntries(MANAGED_FIELDS.map((f) => [f, normalized(f, e)])) as Record<ManagedField, string>;
}

/** The fields an update sets. */
export function touchedFields(p: EventFields): ManagedField[] {
  return MANAGED_FIELDS.filter((f) => p[f] !== undefined);
}

/** Whether the event already shows every field the update sets. */
export function shows(e: calendar_v3.Schema$Event, p: EventFields): boolean {
  return touchedFields(p).every((f) => normalized(f, e) === normalized(f, p));
}

/**
 * The fields the update would overwrite that someone changed since agent-ops last wrote the
 * event (its baseline property); none when the event has no baseline (agent-ops did not write it).
 */
export function changedSinceOurWrite(e: calendar_v3.Schema$Event, p: EventFields): ManagedField[] {
  const stored = e.extendedProperties?.private?.[BASELINE_PROPERTY];
  if (!stored) return [];
  const baseline = new Map(stored.split(',').map((pair) => pair.split(':') as [string, string]));
  return touchedFields(p).filter((f) => {
    const was = baseline.get(f);
    return was !== undefined && was !== digest(f, normalized(f, e));
  });
}
