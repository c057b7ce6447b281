// The start-up baseline: what any executor must do at least, and nothing more. Node, an
// ioredis connection, XGROUP CREATE, the same log line, with the same compile cache the
// services' main.mjs turns on. pnpm bench compares every service's start against this.
import * as nodeModule from 'node:module';

nodeModule.enableCompileCache?.();
const { Redis } = await import('ioredis');
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
try {
  await redis.xgroup(
    'CREATE',
    `${process.env.OPS_PREFIX ?? 'ops'}:{baseline}:intents`,
    'executors',
    '0',
    'MKSTREAM',
  );
} catch (err) {
  if (!String(err.message).includes('BUSYGROUP')) throw err;
}
process.stdout.write('{"msg":"executor running"}\n');
process.on('SIGTERM', () => {
  redis.disconnect();
  process.exit(0);
});
