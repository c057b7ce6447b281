import { runChannelExecutor } from '@agent-ops/runtime/run-executor';
import { XAdapter } from './x-adapter.ts';
import { DEFAULT_X_API_BASE_URL } from './x-client.ts';
import { xMediaDirFromEnv } from './x-env.ts';
import { XSecretsSchema, xCredentialsByAccount } from './x-secrets.ts';

await runChannelExecutor({
  channel: 'x',
  secrets: XSecretsSchema,
  adapter: (secrets) =>
    new XAdapter({
      credentials: xCredentialsByAccount(secrets),
      apiBaseUrl: process.env.X_API_BASE_URL ?? DEFAULT_X_API_BASE_URL,
      // Media by `path` are read from here only.
      mediaDir: xMediaDirFromEnv(),
    }),
});
