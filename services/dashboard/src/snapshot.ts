import { CHANNELS, type Channel } from '@agent-ops/contracts/channels';
import { fieldsToRecord } from '@agent-ops/contracts/codec';
import type { IntentRecord, IntentState } from '@agent-ops/contracts/intent-record';
import { channelKeys, EXECUTORS_GROUP, globalKeys } from '@agent-ops/contracts/keys';
import type { Receipt } from '@agent-ops/contracts/receipt';
import type { ExecutorOptions } from '@agent-ops/runtime/options';
import { RateLimits } from '@agent-ops/runtime/rate-limits';
import type { Redis } from 'ioredis';
import type { DashboardConfig } from './config.ts';

/**
 * Everything the page shows, read from Redis with bounded reads only: XREVRANGE/XRANGE with
 * COUNT, ZREVRANGE with a range, HMGET of known fields, XINFO, XLEN, HSCAN with a COUNT.
 * Never a whole stream, so a receipts stream of millions of entries costs what 50 entries cost.
 * Nothing here writes: the connection may (and should) be a read-only Redis user.
 */

const LIST_LIMIT = 50;
const DEADLETTER_LIMIT = 20;
const LEASES_SHOWN = 50;
export const CHART_WINDOW_MS = 15 * 60_000;
export const BUCKET_MS = 30_000;
const BACKFILL_COUNT = 5000;
const TAIL_COUNT = 2000;
const RECEIPT_PAGE = 200;
const RECEIPT_SCAN_LIMIT = 2000;

const RATE_GROUPS: Record<Channel, readonly string[]> = {
  x: ['post', 'delete'],
  email: ['send'],
  calendar: ['write'],
  webhook: ['call'],
};
const STATUSES = ['succeeded', 'failed', 'rejected', 'unknown'] as const;
type Status = (typeof STATUSES)[number];

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
};
export type AccountView = {
  channel: Channel;
  account: string;
  limits: Array<{ group: string; points: number; remaining: number; resetInMs: number }>;
  breaker: { state: string; since: string | null; by: string | null };
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
  receipt: { status: string; error: string | null; url: string | null; executor: string } | null;
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
export type ReceiptView = {
  channel: Channel;
  id: string;
  at: number;
  key: string;
  action: string;
  account: string;
  status: string;
  url: string | null;
  externalId: string | null;
  error: string | null;
  attempts: number;
  executor: string;
  text: string | null;
};
export type ChartBucket = { t: number; intents: number } & Record<Status, number>;
export type Snapshot = {
  at: number;
  prefix: string;
  redis: { ok: boolean; error: string | null };
  gate: { global: GateView; channels: Record<string, GateView> };
  channels: ChannelView[];
  accounts: AccountView[];
  approvals: { items: RecordView[]; total: number };
  unknown: { items: RecordView[]; total: number };
  scheduled: { items: RecordView[]; total: number };
  deadletter: { items: DeadletterView[]; total: number };
  chart: { bucketMs: number; buckets: ChartBucket[]; partial: boolean };
};
export type ReceiptFilter = { channel?: Channel; account?: string; status?: string };
export type ReceiptsView = {
  items: ReceiptView[];
  scanned: number;
  complete: boolean;
  filter: ReceiptFilter;
};

function flatToObject(flat: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

function idTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

function parseJson(text: string | null | undefined): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function gateView(flag: string | undefined, recordJson: string | undefined): GateView {
  const r = parseJson(recordJson) as { by?: unknown; at?: unknown; reason?: unknown } | null;
  return {
    open: flag !== '0',
    by: asString(r?.by),
    at: asString(r?.at),
    reason: asString(r?.reason),
  };
}

function errorText(e: unknown): string | null {
  if (!e || typeof e !== 'object') return null;
  const { code, message } = e as { code?: unknown; message?: unknown };
  return [asString(code), asString(message)].filter(Boolean).join(': ') || null;
}

/** Keeps http(s) links only: a `javascript:` url in a receipt must never become a link. */
export function safeUrl(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

function receiptView(channel: Channel, id: string, fields: string[]): ReceiptView | null {
  const r = parseJson(fieldsToRecord(fields).receipt) as Partial<Receipt> | null;
  if (!r || typeof r.idempotencyKey !== 'string') return null;
  return {
    channel,
    id,
    at: idTime(id),
    key: r.idempotencyKey,
    action: String(r.action ?? ''),
    account: String(r.account ?? ''),
    status: String(r.status ?? ''),
    url: safeUrl(r.url),
    externalId: asString(r.externalId),
    error: errorText(r.error),
    attempts: Number(r.attempts ?? 0),
    executor: String(r.executor ?? ''),
    text: null,
  };
}

function recordView(r: IntentRecord): RecordView {
  return {
    channel: r.channel,
    key: r.idempotencyKey,
    action: r.action,
    account: r.account,
    state: r.state,
    submittedAt: r.submittedAt,
    submittedBy: r.submittedBy,
    updatedAt: r.updatedAt,
    approvalDeadline: r.approvalDeadline,
    notBefore: r.intent?.notBefore ?? null,
    decision: r.decision,
    payload: r.intent?.payload ?? null,
    meta: r.intent?.meta ?? null,
    receipt: r.receipt
      ? {
          status: r.receipt.status,
          error: errorText(r.receipt.error),
          url: safeUrl(r.receipt.url),
          executor: r.receipt.executor,
        }
      : null,
  };
}

/** The text a person recognises an intent by: a post's text, a mail's subject, an event's summary. */
function headline(payload: unknown): string | null {
  if (!payload || typeof payload !== 'object') return null;
  const p = payload as Record<string, unknown>;
  return asString(p.text) ?? asString(p.subject) ?? asString(p.summary) ?? asString(p.endpoint) ?? null;
}

type ChannelActivity = {
  receiptCursor: string | null;
  entriesAdded: number | null;
  buckets: Map<number, ChartBucket>;
};

/**
 * Intents/s and receipts by status over the last 15 minutes, kept in memory: a bounded
 * backfill at start, then only the receipts appended since (XRANGE from a cursor, COUNT-capped)
 * and the intents stream's `entries-added` counter. A burst beyond the caps marks the chart partial.
 */
class Activity {
  private readonly channels = new Map<Channel, ChannelActivity>();
  /** Until when the chart may be missing entries (a backfill or a tail that hit its cap). */
  private partialUntil = 0;

  partial(now: number): boolean {
    return now < this.partialUntil;
  }

  private bucket(a: ChannelActivity, t: number): ChartBucket {
    const start = t - (t % BUCKET_MS);
    let b = a.buckets.get(start);
    if (!b) {
      b = { t: start, intents: 0, succeeded: 0, failed: 0, rejected: 0, unknown: 0 };
      a.buckets.set(start, b);
    }
    return b;
  }

  private countReceipt(a: ChannelActivity, id: string, fields: string[]): void {
    const r = parseJson(fieldsToRecord(fields).receipt) as { status?: string } | null;
    const status = r?.status as Status | undefined;
    if (status && (STATUSES as readonly string[]).includes(status)) this.bucket(a, idTime(id))[status] += 1;
  }

  async update(redis: Redis, prefix: string, channel: Channel, entriesAdded: number | null, now: number) {
    const k = channelKeys(prefix, channel);
    const since = now - CHART_WINDOW_MS;
    let a = this.channels.get(channel);
    if (!a) {
      a = { receiptCursor: null, entriesAdded: null, buckets: new Map() };
      const [receipts, intents] = await Promise.all([
        redis.xrevrange(k.receipts, '+', String(since), 'COUNT', BACKFILL_COUNT),
        redis.xrevrange(k.intents, '+', String(since), 'COUNT', BACKFILL_COUNT),
      ]);
      for (const [id, fields] of receipts) this.countReceipt(a, id, fields);
      for (const [id] of intents) this.bucket(a, idTime(id)).intents += 1;
      if (receipts.length === BACKFILL_COUNT || intents.length === BACKFILL_COUNT)
        this.partialUntil = now + CHART_WINDOW_MS;
      const newest = receipts[0]?.[0];
      a.receiptCursor =
        newest ?? ((await redis.xrevrange(k.receipts, '+', '-', 'COUNT', 1))[0]?.[0] || '0-0');
      a.entriesAdded = entriesAdded;
      this.channels.set(channel, a);
    } else {
      for (let page = 0; page < 3; page += 1) {
        const fresh = await redis.xrange(
          k.receipts,
          `(${a.receiptCursor ?? '0-0'}`,
          '+',
          'COUNT',
          TAIL_COUNT,
        );
        for (const [id, fields] of fresh) this.countReceipt(a, id, fields);
        const last = fresh.at(-1)?.[0];
        if (last) a.receiptCursor = last;
        if (fresh.length < TAIL_COUNT) break;
        if (page === 2) {
          // Far behind: skip to the newest entry rather than fall further behind.
          this.partialUntil = now + CHART_WINDOW_MS;
          a.receiptCursor =
            (await redis.xrevrange(k.receipts, '+', '-', 'COUNT', 1))[0]?.[0] ?? a.receiptCursor;
        }
      }
      if (entriesAdded !== null && a.entriesAdded !== null && entriesAdded > a.entriesAdded)
        this.bucket(a, now).intents += entriesAdded - a.entriesAdded;
      if (entriesAdded !== null) a.entriesAdded = entriesAdded;
    }
    for (const t of a.buckets.keys()) if (t < since - BUCKET_MS) a.buckets.delete(t);
  }

  series(now: number): ChartBucket[] {
    const end = now - (now % BUCKET_MS);
    const out: ChartBucket[] = [];
    for (let t = end - CHART_WINDOW_MS + BUCKET_MS; t <= end; t += BUCKET_MS) {
      const b: ChartBucket = { t, intents: 0, succeeded: 0, failed: 0, rejected: 0, unknown: 0 };
      for (const a of this.channels.values()) {
        const x = a.buckets.get(t);
        if (!x) continue;
        b.intents += x.intents;
        for (const s of STATUSES) b[s] += x[s];
      }
      out.push(b);
    }
    return out;
  }
}

export class SnapshotReader {
  private readonly redis: Redis;
  private readonly config: DashboardConfig;
  private readonly activity = new Activity();
  private readonly limits = new Map<Channel, RateLimits>();

  constructor(redis: Redis, config: DashboardConfig) {
    this.redis = redis;
    this.config = config;
  }

  private get prefix(): string {
    return this.config.prefix;
  }

  private rateLimits(channel: Channel): RateLimits {
    let r = this.limits.get(channel);
    if (!r) {
      const accounts: ExecutorOptions['accounts'] = {};
      for (const [name, a] of Object.entries(this.config.accounts))
        accounts[name] = { requireApproval: false, rateLimits: a.rateLimits };
      r = new RateLimits(this.redis, channelKeys(this.prefix, channel), {
        accounts,
        defaultRateLimit: this.config.defaultRateLimit,
      });
      this.limits.set(channel, r);
    }
    return r;
  }

  /**
   * Points left and ms until the window resets: RateLimits.peek's answer, read with GET and PTTL
   * (rate-limiter-flexible's own `get` wraps them in MULTI, which a read-only user may lack).
   */
  private async peek(channel: Channel, rl: RateLimits, account: string, group: string) {
    const { points } = rl.limitFor(account, group);
    const key = `${channelKeys(this.prefix, channel).rateLimit}:${account}:${group}`;
    const [used, pttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    if (used === null) return { remaining: points, msBeforeNext: 0 };
    return { remaining: Math.max(0, points - Number(used)), msBeforeNext: Math.max(0, pttl) };
  }

  async snapshot(): Promise<Snapshot> {
    const now = Date.now();
    const globalGate = await this.redis.hmget(channelKeys(this.prefix, 'x').gate, 'global', 'global:record');
    const globalRecord = (await this.redis.get(globalKeys(this.prefix).gate)) ?? globalGate[1] ?? undefined;
    const channels = await Promise.all(CHANNELS.map((c) => this.channel(c, now)));
    const gateChannels: Record<string, GateView> = {};
    for (const c of channels) gateChannels[c.channel] = c.gate;
    const [approvals, unknown, scheduled, deadletter] = await Promise.all([
      this.records('pending_approval'),
      this.records('unknown'),
      this.records('scheduled'),
      this.deadletter(channels),
    ]);
    const accounts = await this.accounts(channels);
    return {
      at: now,
      prefix: this.prefix,
      redis: { ok: true, error: null },
      gate: {
        global: gateView(globalGate[0] ?? undefined, globalRecord),
        channels: gateChannels,
      },
      channels,
      accounts,
      approvals,
      unknown,
      scheduled,
      deadletter,
      chart: { bucketMs: BUCKET_MS, buckets: this.activity.series(now), partial: this.activity.partial(now) },
    };
  }

  private async channel(channel: Channel, now: number): Promise<ChannelView> {
    const k = channelKeys(this.prefix, channel);
    const [gate, info, receiptsLength, deadletterLength, leasesTotal] = await Promise.all([
      this.redis.hmget(k.gate, 'channel', 'channel:record'),
      this.redis.call('XINFO', 'STREAM', k.intents).catch(() => null),
      this.redis.xlen(k.receipts),
      this.redis.xlen(k.deadletter),
      this.redis.hlen(k.leases),
    ]);
    const stream = flatToObject(info);
    const length = Number(stream.length ?? 0);
    const entriesAdded = stream['entries-added'] === undefined ? null : Number(stream['entries-added']);
    let group: ChannelView['group'] = null;
    let consumers: ChannelView['consumers'] = [];
    if (info) {
      const groups = ((await this.redis.call('XINFO', 'GROUPS', k.intents)) as unknown[]).map(flatToObject);
      const g = groups.find((x) => x.name === EXECUTORS_GROUP);
      if (g) {
        group = {
          lag: g.lag === null || g.lag === undefined ? null : Number(g.lag),
          pending: Number(g.pending ?? 0),
          lastDeliveredId: String(g['last-delivered-id'] ?? ''),
        };
        const list = (await this.redis.call('XINFO', 'CONSUMERS', k.intents, EXECUTORS_GROUP)) as unknown[];
        consumers = list.map(flatToObject).map((c) => ({
          name: String(c.name),
          pending: Number(c.pending ?? 0),
          idleMs: Number(c.idle ?? 0),
          inactiveMs: c.inactive === undefined || Number(c.inactive) < 0 ? null : Number(c.inactive),
        }));
      }
    }
    const leases: ChannelView['leases'] = [];
    if (leasesTotal > 0) {
      const [, flat] = await this.redis.hscan(k.leases, '0', 'COUNT', LEASES_SHOWN * 2);
      for (let i = 0; i + 1 < flat.length && leases.length < LEASES_SHOWN; i += 2) {
        const l = parseJson(flat[i + 1]) as {
          owner?: string;
          since?: number;
          expiresAt?: number;
          intentId?: string;
        } | null;
        leases.push({
          key: String(flat[i]),
          owner: String(l?.owner ?? ''),
          ageMs: l?.since ? Math.max(0, now - Number(l.since)) : 0,
          expiresInMs: l?.expiresAt ? Number(l.expiresAt) - now : 0,
          intentId: String(l?.intentId ?? ''),
        });
      }
      leases.sort((a, b) => b.ageMs - a.ageMs);
    }
    if (info || receiptsLength > 0)
      await this.activity.update(this.redis, this.prefix, channel, entriesAdded, now);
    return {
      channel,
      active: Boolean(info) || receiptsLength > 0 || deadletterLength > 0,
      length,
      entriesAdded,
      receiptsLength,
      deadletterLength,
      gate: gateView(gate[0] ?? undefined, gate[1] ?? undefined),
      group,
      consumers,
      leases,
      leasesTotal,
    };
  }

  private async records(state: IntentState): Promise<{ items: RecordView[]; total: number }> {
    let total = 0;
    const scored: Array<{ view: RecordView; score: number }> = [];
    await Promise.all(
      CHANNELS.map(async (channel) => {
        const k = channelKeys(this.prefix, channel);
        const [count, flat] = await Promise.all([
          this.redis.zcard(k.byState(state)),
          this.redis.zrevrange(k.byState(state), 0, LIST_LIMIT - 1, 'WITHSCORES'),
        ]);
        total += count;
        const keys: string[] = [];
        const scores: number[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) {
          keys.push(flat[i] as string);
          scores.push(Number(flat[i + 1]));
        }
        if (keys.length === 0) return;
        const jsons = await this.redis.hmget(k.records, ...keys);
        jsons.forEach((json, i) => {
          const r = parseJson(json) as IntentRecord | null;
          if (r && r.state === state) scored.push({ view: recordView(r), score: scores[i] ?? 0 });
        });
      }),
    );
    // Approvals oldest first (the one closest to its deadline on top); the others newest first.
    scored.sort((a, b) => (state === 'pending_approval' ? a.score - b.score : b.score - a.score));
    return { items: scored.slice(0, LIST_LIMIT).map((s) => s.view), total };
  }

  private async deadletter(channels: ChannelView[]): Promise<Snapshot['deadletter']> {
    const items: DeadletterView[] = [];
    let total = 0;
    await Promise.all(
      channels
        .filter((c) => c.deadletterLength > 0)
        .map(async (c) => {
          total += c.deadletterLength;
          const k = channelKeys(this.prefix, c.channel);
          const entries = await this.redis.xrevrange(k.deadletter, '+', '-', 'COUNT', DEADLETTER_LIMIT);
          const views = entries.map(([id, fields]): DeadletterView => {
            const f = fieldsToRecord(fields);
            const raw = f['original.intent'] ?? f.intent ?? null;
            const intent = parseJson(raw) as Record<string, unknown> | null;
            return {
              channel: c.channel,
              id,
              at: idTime(id),
              reason: f.reason ?? '',
              error: errorText(parseJson(f.error)),
              key: asString(intent?.idempotencyKey),
              action: asString(intent?.action),
              account: asString(intent?.account),
              payload: intent?.payload ?? null,
              raw: intent ? null : (raw?.slice(0, 2000) ?? null),
              keyState: null,
            };
          });
          const keys = views.map((v) => v.key).filter((x): x is string => Boolean(x));
          if (keys.length > 0) {
            const jsons = await this.redis.hmget(k.records, ...keys);
            const states = new Map<string, IntentState>();
            keys.forEach((key, i) => {
              const r = parseJson(jsons[i]) as IntentRecord | null;
              if (r) states.set(key, r.state);
            });
            for (const v of views) v.keyState = (v.key && states.get(v.key)) || null;
          }
          items.push(...views);
        }),
    );
    items.sort((a, b) => b.at - a.at);
    return { items: items.slice(0, LIST_LIMIT), total };
  }

  private async accounts(channels: ChannelView[]): Promise<AccountView[]> {
    const out: AccountView[] = [];
    for (const c of channels) {
      const k = channelKeys(this.prefix, c.channel);
      const breakers = await this.redis.hgetall(k.breakers);
      const names = new Set<string>(Object.keys(breakers));
      if (c.active) {
        for (const name of Object.keys(this.config.accounts)) names.add(name);
        const recent = await this.redis.xrevrange(k.receipts, '+', '-', 'COUNT', RECEIPT_PAGE);
        for (const [, fields] of recent) {
          const account = (parseJson(fieldsToRecord(fields).receipt) as { account?: unknown } | null)
            ?.account;
          if (typeof account === 'string') names.add(account);
        }
      }
      for (const account of [...names].sort()) {
        const limits = await Promise.all(
          RATE_GROUPS[c.channel].map(async (group) => {
            const rl = this.rateLimits(c.channel);
            const peek = await this.peek(c.channel, rl, account, group);
            return {
              group,
              points: rl.limitFor(account, group).points,
              remaining: peek.remaining,
              resetInMs: peek.msBeforeNext,
            };
          }),
        );
        const b = parseJson(breakers[account]) as { state?: string; since?: string; by?: string } | null;
        out.push({
          channel: c.channel,
          account,
          limits,
          breaker: { state: b?.state ?? 'closed', since: b?.since ?? null, by: b?.by ?? null },
        });
      }
    }
    return out;
  }

  /**
   * Recent receipts, newest first, across channels or one. A filter reads pages of
   * XREVRANGE until it has `limit` matches or has looked at RECEIPT_SCAN_LIMIT entries per channel.
   */
  async receipts(filter: ReceiptFilter, limit = LIST_LIMIT): Promise<ReceiptsView> {
    let scanned = 0;
    let complete = true;
    const found: ReceiptView[] = [];
    const filtering = Boolean(filter.account || filter.status);
    await Promise.all(
      (filter.channel ? [filter.channel] : CHANNELS).map(async (channel) => {
        const k = channelKeys(this.prefix, channel);
        let end = '+';
        let seen = 0;
        const mine: ReceiptView[] = [];
        while (mine.length < limit && seen < RECEIPT_SCAN_LIMIT) {
          const count = filtering ? RECEIPT_PAGE : limit;
          const page = await this.redis.xrevrange(k.receipts, end, '-', 'COUNT', count);
          seen += page.length;
          for (const [id, fields] of page) {
            const v = receiptView(channel, id, fields);
            if (!v) continue;
            if (filter.account && v.account !== filter.account) continue;
            if (filter.status && v.status !== filter.status) continue;
            if (mine.length < limit) mine.push(v);
          }
          const last = page.at(-1)?.[0];
          if (page.length < count || !last) break;
          end = `(${last}`;
          if (!filtering) break;
          if (seen >= RECEIPT_SCAN_LIMIT) complete = false;
        }
        scanned += seen;
        if (mine.length > 0) {
          const jsons = await this.redis.hmget(k.records, ...mine.map((m) => m.key));
          mine.forEach((m, i) => {
            const r = parseJson(jsons[i]) as IntentRecord | null;
            m.text = headline(r?.intent?.payload);
          });
        }
        found.push(...mine);
      }),
    );
    found.sort((a, b) => b.at - a.at || (b.id > a.id ? 1 : -1));
    return { items: found.slice(0, limit), scanned, complete, filter };
  }
}
