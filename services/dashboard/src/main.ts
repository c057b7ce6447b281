import { ConfigError } from '@agent-ops/contracts/errors';
import { createLogger } from '@agent-ops/runtime/logger';
import { loadDashboardConfig } from './config.ts';
import { Dashboard } from './dashboard.ts';

const log = createLogger('dashboard');
let dashboard: Dashboard;
try {
  dashboard = new Dashboard(loadDashboardConfig(), log);
  await dashboard.start();
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
  dashboard.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
