export type SendUpdates = 'all' | 'externalOnly' | 'none';

/**
 * What the call tells guests: the intent's choice, else `all` when the event has guests and
 * `none` when it has none. Google's own default, the parameter left out, sends guests outside
 * Google no invitation at all, which is never what an agent inviting people means.
 */
export function sendUpdatesFor(
  chosen: SendUpdates | undefined,
  attendees: readonly unknown[] | null | undefined,
): SendUpdates {
  return chosen ?? ((attendees?.length ?? 0) > 0 ? 'all' : 'none');
}
