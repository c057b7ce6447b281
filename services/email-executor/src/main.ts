import { runChannelExecutor } from '@agent-ops/runtime/run-executor';
import { derived } from '@agent-ops/runtime/secrets-reload';
import { EmailAdapter } from './email-adapter.ts';
import { EmailSecretsSchema, emailAccounts } from './email-secrets.ts';

await runChannelExecutor({
  channel: 'email',
  secrets: EmailSecretsSchema,
  adapter: (_secrets, latest) =>
    // As the secrets file is now: a login renewed by `ops login` is used without a restart.
    new EmailAdapter(derived(latest, emailAccounts), {
      // Unset in production; tests point Gmail's SMTP, token endpoint and API at fakes.
      gmail: {
        smtpUrl: process.env.GMAIL_SMTP_URL,
        tokenUrl: process.env.GOOGLE_OAUTH_TOKEN_URL,
        rootUrl: process.env.GOOGLE_API_ROOT_URL,
      },
    }),
});
