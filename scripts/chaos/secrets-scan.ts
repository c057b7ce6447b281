import { CHANNELS } from '@agent-ops/contracts/channels';
import { channelKeys, globalKeys } from '@agent-ops/contracts/keys';
import type { Cluster, Redis } from 'ioredis';

const SECRET_FIELDS = new Set([
  'appSecret',
  'accessToken',
  'accessSecret',
  'password',
  'clientSecret',
  'refreshToken',
  'hmacSecret',
  'url',
  'token',
  'oauth2AccessToken',
]);

/** Every credential value in a secrets tree (by field name), long enough to be recognisable. */
export function secretValues(tree: unknown, out: string[] = []): string[] {
  if (tree && typeof tree === 'object') {
    for (const [k, v] of Object.entries(tree)) {
      if (typeof v === 'string' && SECRET_FIELDS.has(k) && v.length >= 8) out.push(v);
      else secretValues(v, out);
    }
  }
  return out;
}

/** Counts secret values in logs and in every entry of every stream and hash the system writes. */
export async function scanForSecrets(
  redis: Redis | Cluster,
  prefix: string,
  logs: string[],
  secrets: string[],
) {
  const hits: string[] = [];
  let lines = 0;
  for (const log of logs) {
    for (const line of log.split('\n')) {
      lines += 1;
      for (const s of secrets) if (line.includes(s)) hits.push(`log line: ${line.slice(0, 120)}`);
    }
  }
  let entries = 0;
  const streams = [
    ...CHANNELS.flatMap((c) => [
      channelKeys(prefix, c).intents,
      channelKeys(prefix, c).receipts,
      channelKeys(prefix, c).deadletter,
    ]),
    globalKeys(prefix).audit,
  ];
  for (const stream of streams) {
    let cursor = '-';
    for (;;) {
      const page = await redis.xrange(stream, cursor, '+', 'COUNT', 5000);
      for (const [id, fields] of page) {
        entries += 1;
        const text = fields.join('\n');
        for (const s of secrets) if (text.includes(s)) hits.push(`${stream} ${id}`);
      }
      if (page.length < 5000) break;
      cursor = `(${page[page.length - 1]?.[0]}`;
    }
  }
  for (const c of CHANNELS) {
    const k = channelKeys(prefix, c);
    for (const hash of [k.done, k.breakers, k.gate]) {
      const text = Object.values(await redis.hgetall(hash)).join('\n');
      for (const s of secrets) if (text.includes(s)) hits.push(hash);
    }
  }
  return { lines, entries, hits };
}
