import { answerHelp } from '@agent-ops/runtime/cli-help';
import { createLogger } from '@agent-ops/runtime/logger';
import { runServiceProcess } from '@agent-ops/runtime/service-process';
import { loadCoordinatorConfig } from './config.ts';
import { Coordinator } from './coordinator.ts';

answerHelp(`usage: node services/coordinator/main.mjs

The coordinator (the brain): intake, approvals, schedules, state and audit, over HTTP.
It never holds a write credential.
Environment: OPS_COORDINATOR_CONFIG (its JSON config, mode 0600), REDIS_URL, OPS_PREFIX, LOG_LEVEL;
REDIS_CA_FILE for a rediss:// REDIS_URL (REDIS_CERT_FILE, REDIS_KEY_FILE for tls-auth-clients yes).
Runs until SIGTERM or SIGINT. Exit 78 on a configuration error.`);
const log = createLogger('coordinator');
await runServiceProcess(() => new Coordinator(loadCoordinatorConfig(), log), log);
