import { join } from 'node:path';
import type { Channel } from '@agent-ops/contracts/channels';
import { FakeCalendar } from '@agent-ops/testkit/fake-calendar';
import { FakeSmtp } from '@agent-ops/testkit/fake-smtp';
import { FakeWebhook } from '@agent-ops/testkit/fake-webhook';
import { FakeX } from '@agent-ops/testkit/fake-x';

const root = join(import.meta.dirname, '..', '..');

/** One channel under chaos: its fake, how to count effects, which faults to inject, its intents. */
export type ChaosChannel = {
  channel: Channel;
  entry: string;
  accounts: string[];
  /** Secrets for this channel's accounts, merged into one OPS_SECRETS_FILE. */
  secrets: Record<string, unknown>;
  env: Record<string, string>;
  intent(key: string, account: string, marker: string): Record<string, unknown>;
  effects(marker: string): number;
  /** Injects one random fault of a kind the channel's API really produces. */
  fault(random: () => number): string;
  stop(): Promise<void>;
};

const pick = <T>(list: readonly T[], random: () => number): T =>
  list[Math.floor(random() * list.length)] as T;

/** A post X renders unlike what was sent (a t.co link, `&` and `<` escaped), so reconcile must read X's rendering. */
const xText = (marker: string) => `${marker} & co <3 https://example.com/m/${encodeURIComponent(marker)}`;

export async function xChannel(): Promise<ChaosChannel> {
  const fake = await new FakeX({
    users: {
      'tok-antifund': { id: '1', username: 'antifund', name: 'A' },
      'tok-personal': { id: '2', username: 'me', name: 'M' },
    },
    latencyMs: 5,
  }).start();
  const creds = (token: string) => ({
    x: { appKey: 'k', appSecret: 'chaos-x-secret', accessToken: token, accessSecret: 'chaos-x-access' },
  });
  return {
    channel: 'x',
    entry: join(root, 'services/x-executor/main.mjs'),
    accounts: ['antifund', 'personal'],
    secrets: { antifund: creds('tok-antifund'), personal: creds('tok-personal') },
    env: { X_API_BASE_URL: fake.url },
    intent: (key, account, marker) => ({
      v: 1,
      idempotencyKey: key,
      action: 'x.post',
      account,
      payload: { text: xText(marker) },
    }),
    effects: (marker) => fake.tweets.filter((t) => t.sourceText === xText(marker)).length,
    fault: (random) => {
      const kind = pick(['503', '429', 'act_then_drop'] as const, random);
      if (kind === '503') fake.inject({ kind: 'status', status: 503 });
      else if (kind === '429') fake.inject({ kind: 'rate_limit', resetInSec: 1 });
      else fake.inject({ kind: 'act_then_drop' });
      return `x ${kind}`;
    },
    stop: () => fake.stop(),
  };
}

export async function emailChannel(): Promise<ChaosChannel> {
  const fake = await new FakeSmtp({ users: { ops: 'chaos-smtp-password' } }).start();
  const account = {
    smtp: { host: '127.0.0.1', port: fake.port, tls: 'none', user: 'ops', password: 'chaos-smtp-password' },
    allowedFrom: ['ops@acme.example'],
    timeouts: { connectMs: 3000, socketMs: 5000 },
  };
  return {
    channel: 'email',
    entry: join(root, 'services/email-executor/main.mjs'),
    accounts: ['acme', 'support'],
    secrets: { acme: { email: account }, support: { email: account } },
    env: {},
    intent: (key, acct, marker) => ({
      v: 1,
      idempotencyKey: key,
      action: 'email.send',
      account: acct,
      payload: { from: 'ops@acme.example', to: ['ada@example.com'], subject: marker, text: 'chaos' },
    }),
    effects: (marker) => fake.messagesWithSubject(marker).length,
    fault: (random) => {
      const kind = pick(['451', 'act_then_drop'] as const, random);
      if (kind === '451') fake.inject({ kind: 'reply', stage: 'mail', code: 451, message: 'try later' });
      else fake.inject({ kind: 'act_then_drop' });
      return `email ${kind}`;
    },
    stop: () => fake.stop(),
  };
}

export async function calendarChannel(): Promise<ChaosChannel> {
  const fake = await new FakeCalendar({ refreshTokens: { 'chaos-refresh': 'team@acme.example' } }).start();
  return {
    channel: 'calendar',
    entry: join(root, 'services/calendar-executor/main.mjs'),
    accounts: ['team'],
    secrets: {
      team: {
        calendar: {
          clientId: 'c',
          clientSecret: 'chaos-client-secret',
          refreshToken: 'chaos-refresh',
          timeoutMs: 5000,
        },
      },
    },
    env: { GOOGLE_API_ROOT_URL: fake.rootUrl, GOOGLE_OAUTH_TOKEN_URL: fake.tokenUrl },
    intent: (key, account, marker) => ({
      v: 1,
      idempotencyKey: key,
      action: 'calendar.create',
      account,
      payload: {
        summary: marker,
        start: { dateTime: '2026-12-01T10:00:00Z' },
        end: { dateTime: '2026-12-01T10:30:00Z' },
      },
    }),
    effects: (marker) => fake.events.filter((e) => e.summary === marker).length,
    fault: (random) => {
      const kind = pick(['503', '429', 'act_then_drop'] as const, random);
      const where = { method: 'POST', path: /\/events$/ };
      if (kind === '503') fake.inject({ kind: 'status', status: 503 }, where);
      else if (kind === '429') fake.inject({ kind: 'rate_limit', status: 429 }, where);
      else fake.inject({ kind: 'act_then_drop' }, where);
      return `calendar ${kind}`;
    },
    stop: () => fake.stop(),
  };
}

export async function webhookChannel(): Promise<ChaosChannel> {
  const fake = await new FakeWebhook({ '/hooks/deploy': 'chaos-hmac-secret-012345' }).start();
  return {
    channel: 'webhook',
    entry: join(root, 'services/webhook-executor/main.mjs'),
    accounts: ['deploys'],
    secrets: {
      deploys: {
        webhook: {
          endpoints: {
            deploy: {
              url: `${fake.url}/hooks/deploy`,
              hmacSecret: 'chaos-hmac-secret-012345',
              timeoutMs: 5000,
            },
          },
        },
      },
    },
    env: {},
    intent: (key, account, marker) => ({
      v: 1,
      idempotencyKey: key,
      action: 'webhook.call',
      account,
      payload: { endpoint: 'deploy', body: { marker } },
    }),
    effects: (marker) => fake.actedWithMarker(marker).length,
    fault: (random) => {
      const kind = pick(['503', 'act_then_drop'] as const, random);
      if (kind === '503') fake.inject({ kind: 'status', status: 503, retryAfterSec: 1 });
      else fake.inject({ kind: 'act_then_drop' });
      return `webhook ${kind}`;
    },
    stop: () => fake.stop(),
  };
}
