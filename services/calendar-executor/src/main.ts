import { runChannelExecutor } from '@agent-ops/runtime/run-executor';
import { CalendarAdapter } from './calendar-adapter.ts';
import { CalendarSecretsSchema, calendarAccounts } from './calendar-secrets.ts';

await runChannelExecutor({
  channel: 'calendar',
  secrets: CalendarSecretsSchema,
  adapter: (secrets) =>
    new CalendarAdapter({
      accounts: calendarAccounts(secrets),
      rootUrl: process.env.GOOGLE_API_ROOT_URL,
      tokenUrl: process.env.GOOGLE_OAUTH_TOKEN_URL,
    }),
});
