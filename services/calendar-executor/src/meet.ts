import { createHash } from 'node:crypto';
import type { calendar_v3 } from '@googleapis/calendar';

/**
 * A Meet link's createRequest. Its requestId comes from the idempotency key: Google ignores a
 * createRequest whose requestId is the previous one's, so a repeated call never makes a second
 * conference. Google reads conferenceData only from callers that send conferenceDataVersion=1.
 */
export function meetRequest(idempotencyKey: string): calendar_v3.Schema$ConferenceData {
  const requestId = createHash('sha256')
    .update(`agent-ops/meet/${idempotencyKey}`)
    .digest('hex')
    .slice(0, 40);
  return { createRequest: { requestId, conferenceSolutionKey: { type: 'hangoutsMeet' } } };
}

export function hasMeet(e: calendar_v3.Schema$Event): boolean {
  return e.conferenceData?.conferenceSolution?.key?.type === 'hangoutsMeet' || Boolean(e.hangoutLink);
}
