import type { Channel } from '@agent-ops/contracts/channels';
import type { AlertEvent } from './alert-events.ts';

/**
 * A breaker not closed since `since` (epoch ms: when it was first seen open). Opossum half-opens
 * after its reset timeout and opens again on a failed trial, so "open for a minute" is counted
 * from the first opening until it closes; that first opening names the event.
 */
export function breakerEvent(
  channel: Channel,
  account: string,
  since: number,
  now: number,
  openMs: number,
): AlertEvent | null {
  if (now - since < openMs) return null;
  return {
    id: `breaker.${channel}.${account}.${since}`,
    kind: 'breaker_open',
    channel,
    key: null,
    account,
    summary: `${channel}: the breaker of ${account} has been open since ${new Date(since).toISOString()}; its calls are failing and its intents wait`,
    link: null,
  };
}

/**
 * An account whose login was refused since `since` (epoch ms, the executors' record of when it
 * became `needs_reauth`, kept while it stays so): that start names the event, so a person hears
 * once per lapse, and again only after a login that worked lapsed anew.
 */
export function needsReauthEvent(
  channel: Channel,
  account: string,
  since: number,
  reason: string | null,
): AlertEvent {
  return {
    id: `needs_reauth.${channel}.${account}.${since}`,
    kind: 'needs_reauth',
    channel,
    key: null,
    account,
    summary: `${channel}: ${account} needs a login since ${new Date(since).toISOString()}${reason ? ` (${reason.slice(0, 200)})` : ''}; its intents are held until ops login for ${account}`,
    link: null,
  };
}

/** A channel without a live consumer since `since`; the outage's start names the event. */
export function noConsumerEvent(channel: Channel, since: number): AlertEvent {
  return {
    id: `no_consumer.${channel}.${since}`,
    kind: 'no_consumer',
    channel,
    key: null,
    account: null,
    summary: `${channel}: no executor has read its intents since ${new Date(since).toISOString()}; nothing of the channel is carried out`,
    link: null,
  };
}
