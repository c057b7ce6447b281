import type { Channel } from '@agent-ops/contracts/channels';
import type { z } from 'zod';
import type { ChannelAdapter } from './adapter.ts';
import { answerHelp, EXECUTOR_ENV_HELP } from './cli-help.ts';
import { executorOptionsFromEnv } from './env-options.ts';
import { Executor } from './executor.ts';
import { createLogger } from './logger.ts';
import { loadSecretsFile } from './secrets-file.ts';
import { runServiceProcess } from './service-process.ts';

/**
 * A channel executor's whole `main`: secrets from OPS_SECRETS_FILE, options from the
 * environment, the adapter, and the process lifecycle.
 */
export function runChannelExecutor<S extends z.ZodType>(entry: {
  channel: Channel;
  secrets: S;
  adapter: (secrets: z.output<S>) => ChannelAdapter;
}): Promise<void> {
  answerHelp(`usage: node services/${entry.channel}-executor/main.mjs

The ${entry.channel} executor: reads ${entry.channel} intents from its consumer group, carries each out at
most once with the credentials in OPS_SECRETS_FILE, and appends a receipt.
${EXECUTOR_ENV_HELP}`);
  const log = createLogger(`${entry.channel}-executor`);
  return runServiceProcess(() => {
    const secrets = loadSecretsFile(process.env.OPS_SECRETS_FILE, entry.secrets);
    return new Executor(entry.adapter(secrets), executorOptionsFromEnv(entry.channel), log);
  }, log);
}
