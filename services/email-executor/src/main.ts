import { runChannelExecutor } from '@agent-ops/runtime/run-executor';
import { EmailAdapter } from './email-adapter.ts';
import { EmailSecretsSchema, emailAccounts } from './email-secrets.ts';

await runChannelExecutor({
  channel: 'email',
  secrets: EmailSecretsSchema,
  adapter: (secrets) => new EmailAdapter(emailAccounts(secrets)),
});
