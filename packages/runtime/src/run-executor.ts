import type { Executor } from './executor.ts';
import type { Logger } from './logger.ts';

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
