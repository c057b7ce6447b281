import { decodeReceiptEntry } from '@agent-ops/contracts/codec';
import { channelKeys, EXECUTORS_GROUP } from '@agent-ops/contracts/keys';
import type { Receipt } from '@agent-ops/contracts/receipt';
import type { Cluster, Redis } from 'ioredis';
import type { ChaosChannel } from './channels.ts';

export type ChannelSummary = {
  channel: string;
  keys: number;
  succeeded: number;
  unknown: number;
  failed: number;
  rejected: number;
  effects: number;
  duplicates: number;
  lost: number;
  pending: number;
  leases: number;
};

/**
 * Counted at the fakes and in Redis: every key has exactly one terminal receipt (or a parked
 * unknown with a reason), no key had two effects, a succeeded key had exactly one, and nothing
 * is pending or leased.
 */
export async function verify(
  redis: Redis | Cluster,
  prefix: string,
  c: ChaosChannel,
  keys: Map<string, string>,
): Promise<{ summary: ChannelSummary; violations: string[] }> {
  const k = channelKeys(prefix, c.channel);
  const byKey = new Map<string, Receipt[]>();
  let cursor = '-';
  for (;;) {
    const page = await redis.xrange(k.receipts, cursor, '+', 'COUNT', 5000);
    for (const [, fields] of page) {
      const r = decodeReceiptEntry(fields);
      byKey.set(r.idempotencyKey, [...(byKey.get(r.idempotencyKey) ?? []), r]);
    }
    if (page.length < 5000) break;
    cursor = `(${page[page.length - 1]?.[0]}`;
  }
  const violations: string[] = [];
  const s: ChannelSummary = {
    channel: c.channel,
    keys: keys.size,
    succeeded: 0,
    unknown: 0,
    failed: 0,
    rejected: 0,
    effects: 0,
    duplicates: 0,
    lost: 0,
    pending: 0,
    leases: 0,
  };
  for (const [key, marker] of keys) {
    const rs = byKey.get(key) ?? [];
    const effects = c.effects(marker);
    s.effects += effects;
    if (effects > 1) {
      s.duplicates += 1;
      violations.push(`${c.channel} ${key}: ${effects} effects`);
    }
    if (rs.length === 0) {
      s.lost += 1;
      violations.push(`${c.channel} ${key}: no receipt`);
      continue;
    }
    if (rs.length > 1) violations.push(`${c.channel} ${key}: ${rs.length} receipts`);
    const r = rs[0] as Receipt;
    s[r.status] += 1;
    if (r.status === 'succeeded' && effects !== 1)
      violations.push(`${c.channel} ${key}: succeeded with ${effects} effects`);
    if (r.status === 'unknown' && !r.error?.message)
      violations.push(`${c.channel} ${key}: unknown without a reason`);
    if ((r.status === 'failed' || r.status === 'rejected') && effects !== 0) {
      violations.push(
        `${c.channel} ${key}: ${r.status} but ${effects} effects (${r.error?.code}: ${r.error?.message}; attempts ${r.attempts})`,
      );
    }
  }
  const pending = (await redis.xpending(k.intents, EXECUTORS_GROUP)) as [number];
  s.pending = Number(pending[0]);
  s.leases = await redis.hlen(k.leases);
  if (s.pending > 0) violations.push(`${c.channel}: ${s.pending} entries pending`);
  if (s.leases > 0) violations.push(`${c.channel}: ${s.leases} leases left`);
  const armed = await redis.hlen(k.armed);
  if (armed > 0) violations.push(`${c.channel}: ${armed} attempts still armed`);
  return { summary: s, violations };
}

export function summaryTable(rows: ChannelSummary[]): string {
  const cols = [
    'channel',
    'keys',
    'succeeded',
    'unknown',
    'failed',
    'rejected',
    'effects',
    'duplicates',
    'lost',
    'pending',
    'leases',
  ] as const;
  const total = Object.fromEntries(
    cols.map((c) => [c, c === 'channel' ? 'all' : rows.reduce((n, r) => n + (r[c] as number), 0)]),
  );
  const lines = [...rows, total].map(
    (r) => `| ${cols.map((c) => String((r as Record<string, unknown>)[c])).join(' | ')} |`,
  );
  return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...lines].join('\n');
}
