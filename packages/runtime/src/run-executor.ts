import type { Channel } from '@agent-ops/contracts/channels';
import { ConfigError } from '@agent-ops/contracts/errors';
import type { z } from 'zod';
import type { ChannelAdapter } from './adapter.ts';
import { executorOptionsFromEnv } from './env-options.ts';
import { Executor } from './executor.ts';
import { createLogger, type Logger } from './logger.ts';
import { loadSecretsFile } from './secrets-file.ts';

/**
 * The process entry's part: start, and register the signal handlers once. The first
 * SIGTERM/SIGINT closes gracefully; a second one exits at once.
 */
export async function runExecutorProcess(executor: Executor, log: Logger): Promise<void> {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    log.info({ signal }, 'shutting down gracefully (send again to force)');
    executor.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await executor.start();
}

/**
 * A channel executor's whole `main`: secrets from OPS_SECRETS_FILE, options from the
 * environment, the adapter, and the process lifecycle. A configuration error exits 78
 * (EX_CONFIG) with a message that names the setting.
 */
export async function runChannelExecutor<S extends z.ZodType>(entry: {
  channel: Channel;
  secrets: S;
  adapter: (secrets: z.output<S>) => ChannelAdapter;
}): Promise<void> {
  const log = createLogger(`${entry.channel}-executor`);
  try {
    const secrets = loadSecretsFile(process.env.OPS_SECRETS_FILE, entry.secrets);
    const executor = new Executor(entry.adapter(secrets), executorOptionsFromEnv(entry.channel), log);
    await runExecutorProcess(executor, log);
  } catch (err) {
    if (err instanceof ConfigError) {
      log.fatal(err.message);
      process.exit(78);
    }
    throw err;
  }
}
