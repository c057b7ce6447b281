import { ConfigError } from '@agent-ops/contracts/errors';
import { createLogger } from '@agent-ops/runtime/logger';
import { loadCoordinatorConfig } from './config.ts';
import { Coordinator } from './coordinator.ts';

const log = createLogger('coordinator');
let coordinator: Coordinator;
try {
  coordinator = new Coordinator(loadCoordinatorConfig(), log);
  await coordinator.start();
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
  if (signals > 1) process.exit(130);
  log.info({ signal }, 'shutting down (send again to force)');
  coordinator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
