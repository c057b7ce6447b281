import { CHANNELS } from '@agent-ops/contracts/channels';
import { fieldsToRecord } from '@agent-ops/contracts/codec';
import { COORDINATOR_GROUP, channelKeys, EXECUTORS_GROUP } from '@agent-ops/contracts/keys';
import { type RedisTransport, redisTransport } from '@agent-ops/runtime/redis-transport';
import type { CoordinatorContext } from './context.ts';
import { accountChecks } from './doctor-accounts.ts';

/** `warn`: worth a person's attention, yet not a failure (`ops doctor` still exits 0). */
/** An executor whose heartbeat (every 5 s) is older than this is taken for gone. */
const LIVE_WITHIN_MS = 30_000;

export type Check = { name: string; ok: boolean; detail: string; warn?: boolean };

function info(text: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(text)?.[1]?.trim();
}

/** How the coordinator reaches Redis, read from its live connection. */
export function transportCheck(t: RedisTransport): Check {
  const to = t.endpoints.join(', ');
  if (t.tls) {
    const trust = t.ownCa ? 'the CA in REDIS_CA_FILE' : "the system's CAs";
    const cert = t.clientCertificate ? ', with a client certificate' : '';
    return {
      name: 'redis transport',
      ok: true,
      detail: `TLS (${t.protocol ?? 'not connected'}) to ${to}; server certificate checked against ${trust}${cert}`,
    };
  }
  if (t.loopback)
    return {
      name: 'redis transport',
      ok: true,
      detail: `plain TCP to ${to}, on this host only (from another host, reach Redis over TLS: rediss://)`,
    };
  // Not a failure: the link may be encrypted below Redis (a VPN), which the client cannot see.
  return {
    name: 'redis transport',
    ok: true,
    warn: true,
    detail: `plain TCP to ${to} across the network: intents, receipts and ACL passwords travel in clear; use rediss:// (pnpm redis-acl --tls)`,
  };
}

/** What an operator should know before trusting the system: versions, persistence, transport, groups, lag, clocks, config. */
export async function doctor(ctx: CoordinatorContext): Promise<Check[]> {
  const checks: Check[] = [];
  const [server, persistence] = await Promise.all([ctx.redis.info('server'), ctx.redis.info('persistence')]);
  const version = info(server, 'redis_version') ?? 'unknown';
  checks.push({
    name: 'redis version',
    ok: Number(version.split('.')[0]) >= 6,
    detail: `${version} (6.2 or newer needed, 7.0 tested)`,
  });
  checks.push(transportCheck(redisTransport(ctx.redis)));
  const aof = info(persistence, 'aof_enabled') === '1';
  checks.push({
    name: 'persistence',
    ok: aof,
    detail: aof
      ? 'appendonly yes (with appendfsync everysec the last second of idempotency records can be lost; always closes that gap)'
      : 'appendonly is off: a Redis restart loses receipts and idempotency records, so intents could be carried out twice',
  });
  const [seconds, micros] = (await ctx.redis.time()) as unknown as [number, number];
  const skew = Math.abs(Number(seconds) * 1000 + Number(micros) / 1000 - Date.now());
  checks.push({
    name: 'clock skew',
    ok: skew < 2000,
    detail: `${Math.round(skew)} ms between this host and Redis`,
  });
  for (const channel of CHANNELS) {
    const k = channelKeys(ctx.config.prefix, channel);
    let groups: unknown[][] = [];
    try {
      groups = (await ctx.redis.xinfo('GROUPS', k.intents)) as unknown[][];
    } catch {
      // The stream does not exist yet: no executor has started for the channel.
    }
    const executors = groups
      .map((g) => fieldsToRecord(g.map(String)))
      .find((g) => g.name === EXECUTORS_GROUP);
    // Live by their heartbeat: the group lists a consumer only once it has read an entry.
    const beats = Object.values(await ctx.redis.hgetall(k.consumers));
    const live = beats.filter(
      (b) => Number((JSON.parse(b) as { at?: number }).at) > Date.now() - LIVE_WITHIN_MS,
    );
    checks.push({
      name: `${channel} executors`,
      ok: executors !== undefined && live.length > 0,
      detail: executors
        ? `${live.length} live (heartbeat within ${LIVE_WITHIN_MS / 1000} s), ${executors.pending} pending, lag ${executors.lag ?? 'n/a'}`
        : `no executor has started on ${k.intents}`,
    });
    let projection: unknown[][] = [];
    try {
      projection = (await ctx.redis.xinfo('GROUPS', k.receipts)) as unknown[][];
    } catch {
      // No receipts yet.
    }
    const own = projection
      .map((g) => fieldsToRecord(g.map(String)))
      .find((g) => g.name === COORDINATOR_GROUP);
    if (own)
      checks.push({
        name: `${channel} state projection`,
        ok: Number(own.pending) < 1000,
        detail: `${own.pending} receipts not yet projected, lag ${own.lag ?? 'n/a'}`,
      });
    checks.push(...(await accountChecks(ctx.redis, ctx.config.prefix, channel)));
  }
  const gated = Object.keys(ctx.config.approval.accounts);
  checks.push({
    name: 'approval signing key',
    ok: gated.length === 0 || ctx.signer !== null,
    detail: ctx.signer
      ? `key id ${ctx.signer.keyId}; executors need its public key in approvalKeys and requireApproval for ${gated.join(', ') || 'no account'}`
      : gated.length > 0
        ? `accounts ${gated.join(', ')} need approval but approval.privateKeyFile is not set`
        : 'none (no account needs approval)',
  });
  return checks;
}
