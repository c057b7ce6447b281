import { runChannelExecutor } from '@agent-ops/runtime/run-executor';
import { WebhookAdapter } from './webhook-adapter.ts';
import { endpointsByAccount, WebhookSecretsSchema } from './webhook-secrets.ts';

await runChannelExecutor({
  channel: 'webhook',
  secrets: WebhookSecretsSchema,
  adapter: (secrets) => new WebhookAdapter(endpointsByAccount(secrets)),
});
