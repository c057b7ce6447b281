import { FakeCalendar } from '../packages/testkit/src/fake-calendar.ts';
import { FakeSmtp } from '../packages/testkit/src/fake-smtp.ts';
import { FakeWebhook } from '../packages/testkit/src/fake-webhook.ts';
import { CalendarAdapter } from '../services/calendar-executor/src/calendar-adapter.ts';
import { CalendarAccountSchema } from '../services/calendar-executor/src/calendar-secrets.ts';
import { EmailAdapter } from '../services/email-executor/src/email-adapter.ts';
import { EmailAccountSchema } from '../services/email-executor/src/email-secrets.ts';
import { WebhookAdapter } from '../services/webhook-executor/src/webhook-adapter.ts';
import { XAdapter } from '../services/x-executor/src/x-adapter.ts';
import { credentialsMap, startFakeX } from '../services/x-executor/test/helpers.ts';
import type { ChannelBench } from './scenarios/extended.ts';

/** Each channel as the bench drives it: its real adapter and client library, its fake, its intents. */
export const CHANNEL_BENCHES: ChannelBench[] = [
  {
    channel: 'x',
    adapter: async () => {
      const fake = await startFakeX();
      return {
        adapter: new XAdapter({ credentials: credentialsMap(), apiBaseUrl: fake.url }),
        effects: () => fake.tweets.length,
        stop: () => fake.stop(),
      };
    },
    intent: (i) => ({
      v: 1,
      idempotencyKey: `bx-${i}`,
      action: 'x.post',
      account: 'antifund',
      payload: { text: `bench post ${i}` },
    }),
  },
  {
    channel: 'email',
    adapter: async () => {
      const fake = await new FakeSmtp().start();
      const account = EmailAccountSchema.parse({
        smtp: { host: '127.0.0.1', port: fake.port, tls: 'none' },
        allowedFrom: ['ops@acme.example'],
      });
      return {
        adapter: new EmailAdapter(new Map([['acme', account]])),
        effects: () => fake.messages.length,
        stop: () => fake.stop(),
      };
    },
    intent: (i) => ({
      v: 1,
      idempotencyKey: `be-${i}`,
      action: 'email.send',
      account: 'acme',
      payload: { from: 'ops@acme.example', to: ['a@example.com'], subject: `bench ${i}`, text: 'hello' },
    }),
  },
  {
    channel: 'calendar',
    adapter: async () => {
      const fake = await new FakeCalendar({
        refreshTokens: { 'bench-refresh': 'team@acme.example' },
      }).start();
      const account = CalendarAccountSchema.parse({
        clientId: 'c',
        clientSecret: 's',
        refreshToken: 'bench-refresh',
      });
      const adapter = new CalendarAdapter({
        accounts: new Map([['acme', account]]),
        rootUrl: fake.rootUrl,
        tokenUrl: fake.tokenUrl,
      });
      return { adapter, effects: () => fake.events.length, stop: () => fake.stop() };
    },
    intent: (i) => ({
      v: 1,
      idempotencyKey: `bc-${i}`,
      action: 'calendar.create',
      account: 'acme',
      payload: { summary: `bench ${i}`, start: { date: '2026-12-01' }, end: { date: '2026-12-02' } },
    }),
  },
  {
    channel: 'webhook',
    adapter: async () => {
      const fake = await new FakeWebhook().start();
      const endpoint = {
        url: `${fake.url}/hooks/deploy`,
        method: 'POST' as const,
        headers: {},
        on409: 'done' as const,
        on422: 'failed' as const,
        timeoutMs: 10_000,
      };
      return {
        adapter: new WebhookAdapter(new Map([['acme', new Map([['deploy', endpoint]])]])),
        effects: () => fake.calls.filter((c) => c.acted).length,
        stop: () => fake.stop(),
      };
    },
    intent: (i) => ({
      v: 1,
      idempotencyKey: `bw-${i}`,
      action: 'webhook.call',
      account: 'acme',
      payload: { endpoint: 'deploy', body: { i } },
    }),
  },
];
