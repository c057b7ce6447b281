import { ConfigError } from '@agent-ops/contracts/errors';
import type { Logger } from './logger.ts';

/** What a service process runs: something that starts, and closes gracefully (safe twice). */
export type Service = { start(): Promise<unknown>; close(): Promise<void> };

/**
 * The process entry's part, the same for every service: build and start, and register the
 * signal handlers once. The first SIGTERM/SIGINT closes gracefully; a second exits at once.
 * A configuration error exits 78 (EX_CONFIG) with a message that names the setting.
 */
export async function runServiceProcess(build: () => Service, log: Logger): Promise<void> {
  // A promise nobody awaited (a background task's stray rejection) has no state to corrupt:
  // log it and keep serving. A synchronous throw out of a callback may have left this
  // process's bookkeeping half-done, so that one still ends it; the ledger in Redis makes the
  // restart safe (leases expire, reconcile runs before any effect is repeated).
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection in a background task'));
  let service: Service;
  try {
    service = build();
    await service.start();
  } catch (err) {
    if (err instanceof ConfigError) {
      log.fatal(err.message);
      process.exit(78);
    }
    throw err;
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    log.info({ signal }, 'shutting down gracefully (send again to force)');
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
