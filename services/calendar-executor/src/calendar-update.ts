import { NonRetryableError } from '@agent-ops/contracts/errors';
import type { IntentOf } from '@agent-ops/contracts/intent';
import type { EffectResult } from '@agent-ops/runtime/adapter';
import type { calendar_v3 } from '@googleapis/calendar';
import {
  BASELINE_PROPERTY,
  baselineOf,
  changedSinceOurWrite,
  currentValues,
  type EventFields,
  eventBody,
  type ManagedField,
  normalized,
  shows,
  touchedFields,
} from './event-fields.ts';
import { classifyGoogleError, googleStatus } from './google-errors.ts';
import { hasMeet, meetRequest } from './meet.ts';
import { sendUpdatesFor } from './send-updates.ts';

type UpdateIntent = IntentOf<'calendar.update'>;

async function read(cal: calendar_v3.Calendar, calendarId: string, eventId: string) {
  try {
    const { data } = await cal.events.get({ calendarId, eventId });
    if (data.status === 'cancelled') {
      throw new NonRetryableError(`event ${eventId} was deleted: nothing to update`, 'not_found');
    }
    return data;
  } catch (err) {
    if (err instanceof NonRetryableError) throw err;
    throw classifyGoogleError(err, true);
  }
}

const result = (e: calendar_v3.Schema$Event, eventId: string): EffectResult => ({
  externalId: e.id ?? eventId,
  url: e.htmlLink ?? null,
});

/** Whether the event already is as the update wants it: then it is done, without a write. */
function alreadyDone(e: calendar_v3.Schema$Event, fields: EventFields, meet: true | undefined): boolean {
  return shows(e, fields) && (!meet || hasMeet(e));
}

/**
 * calendar.update: read the event, then patch it with `If-Match: <etag read>`, so that a change a
 * person makes meanwhile is never overwritten silently.
 *
 * - Already as wanted (an earlier attempt of this intent got through, or a person did it): done,
 *   and guests are not told twice.
 * - A field the update sets was changed by someone since agent-ops last wrote it (the event's
 *   baseline property): `failed` with code `conflict`, naming the fields.
 * - 412 (someone wrote between the read and the patch): read again; done if it now shows the
 *   update, otherwise `failed`/`conflict`, not a retry loop: a person decides which change wins
 *   and replays the intent if it should.
 */
export async function updateEvent(cal: calendar_v3.Calendar, intent: UpdateIntent): Promise<EffectResult> {
  const { calendarId, eventId, sendUpdates, meet, ...fields } = intent.payload;
  const current = await read(cal, calendarId, eventId);
  if (alreadyDone(current, fields, meet)) return result(current, eventId);
  const changed = changedSinceOurWrite(current, fields);
  if (changed.length > 0) {
    throw new NonRetryableError(
      `event ${eventId}: ${changed.join(', ')} changed by someone else since agent-ops wrote it; not overwritten`,
      'conflict',
    );
  }
  const values = currentValues(current);
  for (const f of touchedFields(fields)) values[f as ManagedField] = normalized(f, fields);
  const body: calendar_v3.Schema$Event = {
    ...eventBody(fields),
    extendedProperties: {
      ...current.extendedProperties,
      private: { ...current.extendedProperties?.private, [BASELINE_PROPERTY]: baselineOf(values) },
    },
  };
  if (meet === true && !hasMeet(current)) body.conferenceData = meetRequest(intent.idempotencyKey);
  try {
    const { data } = await cal.events.patch(
      {
        calendarId,
        eventId,
        sendUpdates: sendUpdatesFor(sendUpdates, fields.attendees ?? current.attendees),
        conferenceDataVersion: 1,
        requestBody: body,
      },
      { headers: current.etag ? { 'If-Match': current.etag } : {} },
    );
    return result(data, eventId);
  } catch (err) {
    // A patch sets fields to values: repeating one that got through changes nothing.
    if (googleStatus(err) !== 412) throw classifyGoogleError(err, true);
  }
  const now = await read(cal, calendarId, eventId);
  if (alreadyDone(now, fields, meet)) return result(now, eventId);
  throw new NonRetryableError(
    `event ${eventId} changed between agent-ops reading and writing it (412 on If-Match); not overwritten`,
    'conflict',
  );
}
