/**
 * Every read of the dashboard is bounded: XREVRANGE/XRANGE with COUNT, ZREVRANGE with a range,
 * HMGET of known fields, XINFO, XLEN, HSCAN with a COUNT. Never a whole stream, so a receipts
 * stream of millions of entries costs what 50 entries cost. These are the bounds.
 */

/** Items of each list the page shows (approvals, unknown, scheduled, deadletter, receipts). */
export const LIST_LIMIT = 50;
/** Newest deadletter entries read per channel. */
export const DEADLETTER_PER_CHANNEL = 20;
/** Newest undelivered agent reports read per channel. */
export const HOOK_UNDELIVERED_PER_CHANNEL = 20;
/** Leases shown per channel, from one HSCAN page. */
export const LEASES_SHOWN = 50;
/** Entries of a channel's `held` hash read (one HSCAN page) to list each account's held intents... */
export const HELD_SCAN = 500;
/** ...and the keys shown per account. */
export const HELD_SHOWN = 20;
/** Recent receipts looked at for the accounts a channel has served. */
export const RECENT_RECEIPTS = 200;
/** A filtered receipts list reads pages of this many entries... */
export const RECEIPT_PAGE = 200;
/** ...and gives up after this many per channel, saying so. */
export const RECEIPT_SCAN_LIMIT = 2000;
/** Entries of each stream read once for the chart's window when a channel is first seen. */
export const CHART_BACKFILL = 5000;
/** Receipts read per page while following a channel for the chart, and pages per refresh. */
export const CHART_TAIL = 2000;
export const CHART_TAIL_PAGES = 3;
