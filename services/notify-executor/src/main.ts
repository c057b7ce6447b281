import { runChannelExecutor } from '@agent-ops/runtime/run-executor';
import { NotifyAdapter } from './notify-adapter.ts';
import { destinationsByAccount, NotifySecretsSchema } from './notify-secrets.ts';

await runChannelExecutor({
  channel: 'notify',
  secrets: NotifySecretsSchema,
  adapter: (secrets) => new NotifyAdapter(destinationsByAccount(secrets)),
});
