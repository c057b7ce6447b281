// pnpm retention [--export DIR]: trims intents streams below what every group has acknowledged,
// and receipts, deadletter and audit older than OPS_RETENTION_DAYS (default 90), never past what
// a group still has to read. With --export, each stream is first written to DIR as JSONL.
import { join } from 'node:path';
import { CHANNELS } from '@agent-ops/contracts/channels';
import { channelKeys, globalKeys } from '@agent-ops/contracts/keys';
import { answerHelp } from '@agent-ops/runtime/cli-help';
import { connectRedis } from '@agent-ops/runtime/redis-connection';
import { exportStream, trimAcknowledged, trimOlderThan } from '@agent-ops/runtime/retention';

answerHelp(`usage: pnpm retention [--export DIR]

Trims intents streams below what every group has acknowledged, and receipts, deadletter and
audit older than OPS_RETENTION_DAYS (default 90). With --export, each stream is first written
to DIR as JSONL. Environment: REDIS_URL (and REDIS_CA_FILE for rediss://), OPS_PREFIX, OPS_RETENTION_DAYS.`);

const prefix = process.env.OPS_PREFIX ?? 'ops';
const days = Number(process.env.OPS_RETENTION_DAYS ?? 90);
const exportAt = process.argv.indexOf('--export');
const exportDir = exportAt > 0 ? process.argv[exportAt + 1] : undefined;
if (!Number.isFinite(days) || days <= 0) {
  console.error('OPS_RETENTION_DAYS: must be a positive number of days');
  process.exit(2);
}
const redis = connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const maxAge = days * 86_400_000;
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
try {
  const streams = [
    ...CHANNELS.flatMap((c) => {
      const k = channelKeys(prefix, c);
      return [
        { name: k.intents, trim: () => trimAcknowledged(redis, k.intents) },
        { name: k.receipts, trim: () => trimOlderThan(redis, k.receipts, maxAge) },
        { name: k.deadletter, trim: () => trimOlderThan(redis, k.deadletter, maxAge) },
      ];
    }),
    { name: globalKeys(prefix).audit, trim: () => trimOlderThan(redis, globalKeys(prefix).audit, maxAge) },
  ];
  for (const s of streams) {
    if (exportDir) {
      const file = join(exportDir, `${s.name.replace(/[{}:]/g, '_')}-${stamp}.jsonl`);
      console.log(`exported ${await exportStream(redis, s.name, file)} entries of ${s.name} to ${file}`);
    }
    console.log(`trimmed ${await s.trim()} entries from ${s.name}`);
  }
} finally {
  redis.disconnect();
}
