import type { Channel } from '@agent-ops/contracts/channels';
import type { z } from 'zod';
import type { ChannelAdapter } from './adapter.ts';
import { answerHelp, EXECUTOR_ENV_HELP } from './cli-help.ts';
import { executorOptionsFromEnv } from './env-options.ts';
import { Executor } from './executor.ts';
import { createLogger } from './logger.ts';
import { loadSecretsFile } from './secrets-file.ts';
import { watchSecretsFile } from './secrets-reload.ts';
import { runServiceProcess } from './service-process.ts';

/**
 * A channel executor's whole `main`: secrets from OPS_SECRETS_FILE, options from the
 * environment, the adapter, and the process lifecycle.
 */
export function runChannelExecutor<S extends z.ZodType>(entry: {
  channel: Channel;
  secrets: S;
  /**
   * `latest` gives the secrets file as it is now (re-read when `ops login` rewrites it), for
   * an adapter that takes renewed credentials without a restart.
   */
  adapter: (secrets: z.output<S>, latest: () => z.output<S>) => ChannelAdapter;
}): Promise<void> {
  answerHelp(`usage: node services/${entry.channel}-executor/main.mjs

The ${entry.channel} executor: reads ${entry.channel} intents from its consumer group, carries each out at
most once with the credentials in OPS_SECRETS_FILE, and appends a receipt.
${EXECUTOR_ENV_HELP}`);
  const log = createLogger(`${entry.channel}-executor`);
  return runServiceProcess(() => {
    const path = process.env.OPS_SECRETS_FILE;
    const secrets = loadSecretsFile(path, entry.secrets);
    const latest = watchSecretsFile(path ?? '', entry.secrets, secrets, log);
    return new Executor(entry.adapter(secrets, latest), executorOptionsFromEnv(entry.channel), log);
  }, log);
}
