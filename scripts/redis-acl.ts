// `pnpm redis-acl <dir>`: writes users.acl (hashed passwords only) for redis-server's aclfile,
// and redis-urls.env (mode 0600) with one REDIS_URL per role for the services' environment.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { answerHelp } from '@agent-ops/runtime/cli-help';
import { aclFile, type RedisRole, ROLES } from './redis-acl-rules.ts';

const USAGE = 'usage: pnpm redis-acl <dir>   (writes <dir>/users.acl and <dir>/redis-urls.env)';
answerHelp(`${USAGE}

One Redis ACL user per role (hashed passwords only in users.acl) and, mode 0600, one REDIS_URL
per role. Environment: REDIS_HOST (default 127.0.0.1:6379), OPS_PREFIX (default ops).`);
const dir = process.argv[2];
const host = process.env.REDIS_HOST ?? '127.0.0.1:6379';
const prefix = process.env.OPS_PREFIX ?? 'ops';
if (!dir || dir.startsWith('-')) {
  console.error(USAGE);
  process.exit(2);
}
if (existsSync(join(dir, 'users.acl'))) {
  console.error(`${join(dir, 'users.acl')} exists; refusing to replace existing users`);
  process.exit(1);
}
mkdirSync(dir, { recursive: true });
const passwords = Object.fromEntries(ROLES.map((r) => [r, randomBytes(24).toString('base64url')])) as Record<
  RedisRole,
  string
>;
const hashes = Object.fromEntries(
  ROLES.map((r) => [r, createHash('sha256').update(passwords[r]).digest('hex')]),
) as Record<RedisRole, string>;
writeFileSync(join(dir, 'users.acl'), aclFile(prefix, hashes), { mode: 0o640 });
const env = ROLES.map((r) => `REDIS_URL_${r.toUpperCase()}=redis://${r}:${passwords[r]}@${host}`).join('\n');
writeFileSync(join(dir, 'redis-urls.env'), `${env}\n`, { mode: 0o600 });
console.log(
  `wrote ${join(dir, 'users.acl')} and ${join(dir, 'redis-urls.env')} (mode 0600): start Redis with --aclfile ${join(dir, 'users.acl')}`,
);
