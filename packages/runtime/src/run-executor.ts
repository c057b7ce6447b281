import type { Channel } from '@agent-ops/contracts/channels';
import type { z } from 'zod';
import type { ChannelAdapter } from './adapter.ts';
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
  const log = createLogger(`${entry.channel}-executor`);
  return runServiceProcess(() => {
    const secrets = loadSecretsFile(process.env.OPS_SECRETS_FILE, entry.secrets);
    return new Executor(entry.adapter(secrets), executorOptionsFromEnv(entry.channel), log);
  }, log);
}
