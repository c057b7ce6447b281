import { answerHelp } from '@agent-ops/runtime/cli-help';
import { createLogger } from '@agent-ops/runtime/logger';
import { runServiceProcess } from '@agent-ops/runtime/service-process';
import { loadDashboardConfig } from './config.ts';
import { Dashboard } from './dashboard.ts';

answerHelp(`usage: node services/dashboard/main.mjs

The dashboard: what is live, and the operator's actions through the coordinator.
Environment: DASHBOARD_PORT, DASHBOARD_TOKEN, OPS_COORDINATOR_URL, OPS_OPERATOR_TOKEN, REDIS_URL,
OPS_PREFIX, DASHBOARD_CONFIG (several operators), DASHBOARD_SESSION_KEY, DASHBOARD_TRUST_PROXY,
DASHBOARD_LINK_KEY (the README's table has them all). Exit 78 on a configuration error.`);
const log = createLogger('dashboard');
await runServiceProcess(() => new Dashboard(loadDashboardConfig(), log), log);
