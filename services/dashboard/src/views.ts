import type { Channel } from '@agent-ops/contracts/channels';
import type { IntentRecord, IntentState } from '@agent-ops/contracts/intent-record';
import type { ReceiptStatus } from '@agent-ops/contracts/receipt';

/**
 * What the page is shown, as it is sent over the wire. The page's scripts import these types
 * (JSDoc), so a field renamed here fails the type check there.
 */

/**
 * The contracts' lists and limits, so the page names no channel, status or limit of its own:
 * a channel added to the contracts appears in every list and filter of the page.
 */
export type Catalog = {
  channels: readonly Channel[];
  statuses: readonly ReceiptStatus[];
  /** Characters a person may type into each field an action sends. */
  limits: {
    gateReason: number;
    comment: number;
    reason: number;
    externalId: number;
    account: number;
  };
};

export type GateView = { open: boolean; by: string | null; at: string | null; reason: string | null };

export type ChannelView = {
  channel: Channel;
  active: boolean;
  length: number;
  entriesAdded: number | null;
  receiptsLength: number;
  deadletterLength: number;
  gate: GateView;
  group: { lag: number | null; pending: number; lastDeliveredId: string } | null;
  consumers: Array<{ name: string; pending: number; idleMs: number; inactiveMs: number | null }>;
  leases: Array<{ key: string; owner: string; ageMs: number; expiresInMs: number; intentId: string }>;
  leasesTotal: number;
  /** Intents waiting to be tried again (backoff, a rate limit, an outage being waited out). */
  waitingRetries: number;
};

export type AccountView = {
  channel: Channel;
  account: string;
  limits: Array<{ group: string; points: number; remaining: number; resetInMs: number }>;
  breaker: { state: string; since: string | null; by: string | null };
  /**
   * The account's login as the executors last found it (null: never checked): `needs_reauth`
   * means its intents are held until a person runs `ops login`.
   */
  login: { status: string; reason: string | null; since: string; checkedAt: string } | null;
  /**
   * Intents held for the account's login: how many were found and the first keys of them;
   * `partial` when the channel holds more than one read looks at (HELD_SCAN).
   */
  held: { count: number; keys: string[]; partial: boolean };
};

export type RecordView = {
  channel: Channel;
  key: string;
  action: string;
  account: string;
  state: IntentState;
  submittedAt: string | null;
  submittedBy: string | null;
  updatedAt: string;
  approvalDeadline: string | null;
  notBefore: string | null;
  decision: IntentRecord['decision'];
  /** The full intent as the coordinator holds it; rendered as text by the page. */
  payload: unknown;
  meta: unknown;
  receipt: { status: ReceiptStatus; error: string | null; url: string | null; executor: string } | null;
};

export type DeadletterView = {
  channel: Channel;
  id: string;
  at: number;
  reason: string;
  error: string | null;
  key: string | null;
  action: string | null;
  account: string | null;
  payload: unknown;
  raw: string | null;
  keyState: IntentState | null;
};

/** A report to the agent's gateway that the coordinator gave up on (refused for good, or out of time). */
export type HookUndeliveredView = {
  channel: Channel;
  id: string;
  at: number;
  key: string | null;
  action: string | null;
  account: string | null;
  status: string | null;
  reason: string;
  attempts: number | null;
};

export type ReceiptView = {
  channel: Channel;
  id: string;
  at: number;
  key: string;
  action: string;
  account: string;
  status: ReceiptStatus;
  url: string | null;
  externalId: string | null;
  error: string | null;
  attempts: number;
  executor: string;
  /** The text a person recognises the intent by (a post's text, a mail's subject), from its record. */
  text: string | null;
};

/** Intents appended and receipts by status in one bucket of the chart. */
export type ChartBucket = { t: number; intents: number } & Record<ReceiptStatus, number>;

export type Listed<T> = { items: T[]; total: number };

export type Snapshot = {
  at: number;
  prefix: string;
  catalog: Catalog;
  redis: { ok: boolean; error: string | null };
  gate: { global: GateView; channels: Record<string, GateView> };
  channels: ChannelView[];
  accounts: AccountView[];
  approvals: Listed<RecordView>;
  unknown: Listed<RecordView>;
  scheduled: Listed<RecordView>;
  deadletter: Listed<DeadletterView>;
  hookUndelivered: Listed<HookUndeliveredView>;
  chart: { bucketMs: number; buckets: ChartBucket[]; partial: boolean };
};

/** What a page is sent when Redis could not be read before any snapshot was. */
export type SnapshotUnavailable = Pick<Snapshot, 'at' | 'catalog' | 'redis'>;

export type ReceiptFilter = { channel?: Channel; account?: string; status?: ReceiptStatus };

export type ReceiptsView = {
  items: ReceiptView[];
  scanned: number;
  complete: boolean;
  filter: ReceiptFilter;
};

/** One server-sent `snapshot` event, and the answer of GET /api/snapshot. */
export type LiveMessage = { snapshot: Snapshot | SnapshotUnavailable; receipts: ReceiptsView | null };

/** What an approval link's page is shown: the record (null when the key is unknown) and when the link expires. */
export type ApprovalView = { record: RecordView | null; expiresAt: number };
