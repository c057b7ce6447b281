import { createLogger } from '@agent-ops/runtime/logger';
import { runServiceProcess } from '@agent-ops/runtime/service-process';
import { loadCoordinatorConfig } from './config.ts';
import { Coordinator } from './coordinator.ts';

const log = createLogger('coordinator');
await runServiceProcess(() => new Coordinator(loadCoordinatorConfig(), log), log);
