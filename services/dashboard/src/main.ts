import { createLogger } from '@agent-ops/runtime/logger';
import { runServiceProcess } from '@agent-ops/runtime/service-process';
import { loadDashboardConfig } from './config.ts';
import { Dashboard } from './dashboard.ts';

const log = createLogger('dashboard');
await runServiceProcess(() => new Dashboard(loadDashboardConfig(), log), log);
