import { envInt, fromEnv } from '@agent-ops/contracts/env';
import { CredentialSeal } from '@agent-ops/runtime/credential-seal';
import { createLogger } from '@agent-ops/runtime/logger';
import { connectRedis } from '@agent-ops/runtime/redis-connection';
import { runChannelExecutor } from '@agent-ops/runtime/run-executor';
import { derived } from '@agent-ops/runtime/secrets-reload';
import { z } from 'zod';
import { XAdapter } from './x-adapter.ts';
import { DEFAULT_X_API_BASE_URL } from './x-client.ts';
import { mediaDirVariable } from './x-env.ts';
import { XOAuth2Tokens } from './x-oauth2-tokens.ts';
import { XSecretsSchema, xCredentialsByAccount } from './x-secrets.ts';

/** The x-executor's own variables, besides the runtime's (README, "Running the x-executor"). */
const XEnv = z.object({
  X_API_BASE_URL: z.string().default(DEFAULT_X_API_BASE_URL),
  OPS_CREDENTIALS_KEY_FILE: z.string().optional(),
  OPS_REFRESH_LOCK_TTL_MS: envInt(z.int().min(1000)).default(15_000),
  X_MEDIA_DIR: mediaDirVariable.optional(),
});

await runChannelExecutor({
  channel: 'x',
  secrets: XSecretsSchema,
  adapter: (_secrets, latest) => {
    const env = fromEnv(XEnv, process.env);
    const log = createLogger('x-executor');
    // Its own connection: the refresh lock and sealed logins, apart from the runtime's scripts.
    const redis = connectRedis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', {
      maxRetriesPerRequest: 2,
    });
    redis.on('error', (err) => log.warn({ err: err.message }, 'redis error (login refresh)'));
    return new XAdapter({
      // As the secrets file is now: a login written by `ops login x` is used without a restart.
      credentials: derived(latest, xCredentialsByAccount),
      apiBaseUrl: env.X_API_BASE_URL,
      // Media by `path` are read from here only.
      mediaDir: env.X_MEDIA_DIR ?? null,
      tokens: new XOAuth2Tokens({
        secretsFile: process.env.OPS_SECRETS_FILE ?? '',
        redis,
        prefix: process.env.OPS_PREFIX || 'ops',
        apiBaseUrl: env.X_API_BASE_URL,
        seal: env.OPS_CREDENTIALS_KEY_FILE ? CredentialSeal.fromFile(env.OPS_CREDENTIALS_KEY_FILE) : null,
        lockTtlMs: env.OPS_REFRESH_LOCK_TTL_MS,
        log,
      }),
    });
  },
});
