import { runChannelExecutor } from '@agent-ops/runtime/run-executor';
import { derived } from '@agent-ops/runtime/secrets-reload';
import { CalendarAdapter } from './calendar-adapter.ts';
import { CalendarSecretsSchema, calendarAccounts } from './calendar-secrets.ts';

await runChannelExecutor({
  channel: 'calendar',
  secrets: CalendarSecretsSchema,
  adapter: (_secrets, latest) =>
    new CalendarAdapter({
      // As the secrets file is now: a grant renewed by `ops login` is used without a restart.
      accounts: derived(latest, calendarAccounts),
      rootUrl: process.env.GOOGLE_API_ROOT_URL,
      tokenUrl: process.env.GOOGLE_OAUTH_TOKEN_URL,
    }),
});
