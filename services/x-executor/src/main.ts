import { CredentialSeal } from '@agent-ops/runtime/credential-seal';
import { connectRedis } from '@agent-ops/runtime/redis-connection';
import { runChannelExecutor } from '@agent-ops/runtime/run-executor';
import { XAdapter } from './x-adapter.ts';
import { DEFAULT_X_API_BASE_URL } from './x-client.ts';
import { XOAuth2Tokens } from './x-oauth2-tokens.ts';
import { XSecretsSchema, xCredentialsByAccount } from './x-secrets.ts';

await runChannelExecutor({
  channel: 'x',
  secrets: XSecretsSchema,
  adapter: (secrets) => {
    const apiBaseUrl = process.env.X_API_BASE_URL || DEFAULT_X_API_BASE_URL;
    const keyFile = process.env.OPS_CREDENTIALS_KEY_FILE;
    const lockTtl = Number(process.env.OPS_REFRESH_LOCK_TTL_MS || 15_000);
    return new XAdapter({
      credentials: xCredentialsByAccount(secrets),
      apiBaseUrl,
      tokens: new XOAuth2Tokens({
        secretsFile: process.env.OPS_SECRETS_FILE ?? '',
        redis: connectRedis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 }),
        prefix: process.env.OPS_PREFIX || 'ops',
        apiBaseUrl,
        seal: keyFile ? CredentialSeal.fromFile(keyFile) : null,
        lockTtlMs: Number.isInteger(lockTtl) && lockTtl >= 1000 ? lockTtl : 15_000,
      }),
    });
  },
});
