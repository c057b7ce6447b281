import { ConfigError } from '@agent-ops/contracts/errors';
import { executorOptionsFromEnv } from '@agent-ops/runtime/env-options';
import { Executor } from '@agent-ops/runtime/executor';
import { createLogger } from '@agent-ops/runtime/logger';
import { runExecutorProcess } from '@agent-ops/runtime/run-executor';
import { loadSecretsFile } from '@agent-ops/runtime/secrets-file';
import { XAdapter } from './x-adapter.ts';
import { DEFAULT_X_API_BASE_URL } from './x-client.ts';
import { XSecretsSchema, xCredentialsByAccount } from './x-secrets.ts';

const log = createLogger('x-executor');
try {
  const secrets = loadSecretsFile(process.env.OPS_SECRETS_FILE, XSecretsSchema);
  const adapter = new XAdapter({
    credentials: xCredentialsByAccount(secrets),
    apiBaseUrl: process.env.X_API_BASE_URL ?? DEFAULT_X_API_BASE_URL,
  });
  const executor = new Executor(adapter, executorOptionsFromEnv('x'), log);
  await runExecutorProcess(executor, log);
} catch (err) {
  if (err instanceof ConfigError) {
    log.fatal(err.message);
    process.exit(78);
  }
  throw err;
}
