import { runChannelExecutor } from '@agent-ops/runtime/run-executor';
import { CaldavAdapter } from './caldav-adapter.ts';
import { CaldavSecretsSchema, caldavAccounts } from './caldav-secrets.ts';

await runChannelExecutor({
  channel: 'caldav',
  secrets: CaldavSecretsSchema,
  adapter: (secrets) => new CaldavAdapter({ accounts: caldavAccounts(secrets) }),
});
