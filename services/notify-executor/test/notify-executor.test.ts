import { FakeNtfy } from '@agent-ops/testkit/fake-ntfy';
import { FakeSlack } from '@agent-ops/testkit/fake-slack';
import { FakeTelegram } from '@agent-ops/testkit/fake-telegram';
import { ExecutorHarness, settledReceipts } from '@agent-ops/testkit/in-process';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { deadletters, xaddIntent } from '@agent-ops/testkit/streams';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { NotifyAdapter } from '../src/notify-adapter.ts';
import { type Destination, DestinationSchema } from '../src/notify-secrets.ts';

const url = inject('redisUrl');
const redis = redisClient(url);
const harness = new ExecutorHarness(url);
const BOT = '123456:AAH-secret-bot-token-xyz';
const HOOK = '/services/T000/B000/slack-secret-path-0123';
const NTFY_TOKEN = 'tk_secret_ntfy_token_0123';
let ntfy: FakeNtfy;
let telegram: FakeTelegram;
let slack: FakeSlack;

beforeAll(async () => {
  ntfy = await new FakeNtfy({ 'ana-phone-9x7': NTFY_TOKEN }).start();
  telegram = await new FakeTelegram({ [BOT]: ['4242'] }).start();
  slack = await new FakeSlack([HOOK]).start();
});
afterEach(async () => {
  await harness.closeAll();
  for (const f of [ntfy, telegram, slack]) f.clearFaults();
});
afterAll(async () => {
  await Promise.all([ntfy.stop(), telegram.stop(), slack.stop()]);
  await redis.quit();
});

function destinations(extra: Record<string, unknown> = {}): Map<string, Map<string, Destination>> {
  const raw: Record<string, unknown> = {
    phone: { kind: 'ntfy', server: ntfy.url, topic: 'ana-phone-9x7', token: NTFY_TOKEN, timeoutMs: 1000 },
    tg: { kind: 'telegram', botToken: BOT, chatId: 4242, apiBaseUrl: telegram.url, timeoutMs: 1000 },
    'tg-wrong': {
      kind: 'telegram',
      botToken: '999:wrong-token-abcdefghij',
      chatId: '4242',
      apiBaseUrl: telegram.url,
    },
    'tg-nochat': { kind: 'telegram', botToken: BOT, chatId: '77', apiBaseUrl: telegram.url },
    team: { kind: 'slack', webhookUrl: `${slack.url}${HOOK}`, timeoutMs: 1000 },
    gone: { kind: 'slack', webhookUrl: `${slack.url}/services/T000/B000/removed-hook` },
    ...extra,
  };
  const parsed = new Map(Object.entries(raw).map(([k, v]) => [k, DestinationSchema.parse(v)]));
  return new Map([['ops', parsed]]);
}

const send = (key: string, destination: string, text = `hello from ${key}`) => ({
  v: 1,
  idempotencyKey: key,
  action: 'notify.send',
  account: 'ops',
  payload: {
    destination,
    title: 'agent-ops: Approval waiting',
    text,
    link: 'https://ops.example/approve/abc',
  },
});

async function start(prefix: string, d = destinations()) {
  return harness.start(new NotifyAdapter(d), { prefix, backoff: { baseMs: 50, maxMs: 100 } });
}

describe('notify-executor', () => {
  it('delivers to ntfy (as JSON, with its token), Telegram (sendMessage) and a Slack webhook, once each', async () => {
    const prefix = testPrefix();
    await start(prefix);
    await xaddIntent(redis, prefix, 'notify', send(`n-${prefix}`, 'phone', 'Ünïcode & <b>ok</b>'));
    await xaddIntent(redis, prefix, 'notify', send(`t-${prefix}`, 'tg'));
    await xaddIntent(redis, prefix, 'notify', send(`s-${prefix}`, 'team', 'a <b> & c'));
    const all = await settledReceipts(redis, prefix, 'notify', 3);
    expect(all.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const msg = ntfy.inTopic('ana-phone-9x7').find((m) => m.message === 'Ünïcode & <b>ok</b>');
    expect(msg).toMatchObject({
      title: 'agent-ops: Approval waiting',
      priority: 3,
      click: 'https://ops.example/approve/abc',
    });
    expect(telegram.toChat('4242').at(-1)?.text).toBe(
      `agent-ops: Approval waiting\n\nhello from t-${prefix}\n\nhttps://ops.example/approve/abc`,
    );
    expect(slack.to(HOOK).at(-1)?.text).toBe(
      '*agent-ops: Approval waiting*\na &lt;b&gt; &amp; c\n<https://ops.example/approve/abc|Open>',
    );
    expect(all.find((r) => r.idempotencyKey === `t-${prefix}`)?.externalId).toMatch(/^telegram:4242:\d+$/);
  });

  it("waits Telegram's parameters.retry_after on a 429, then sends once", async () => {
    const prefix = testPrefix();
    await start(prefix);
    telegram.inject({ kind: 'flood', retryAfterSec: 1 });
    const before = telegram.calls.length;
    await xaddIntent(redis, prefix, 'notify', send(`flood-${prefix}`, 'tg'));
    const [receipt] = await settledReceipts(redis, prefix, 'notify', 1);
    const calls = telegram.calls.slice(before);
    expect(calls).toHaveLength(2);
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(receipt?.status).toBe('succeeded');
    expect(telegram.sent.filter((m) => m.text.includes(`flood-${prefix}`))).toHaveLength(1);
  });

  it('fails at once, naming the reason, on refusals no wait changes; no secret in any record', async () => {
    const prefix = testPrefix();
    await start(prefix);
    slack.channelNotFound.add(HOOK);
    await xaddIntent(redis, prefix, 'notify', send(`cnf-${prefix}`, 'team'));
    await xaddIntent(redis, prefix, 'notify', send(`gone-${prefix}`, 'gone'));
    await xaddIntent(redis, prefix, 'notify', send(`wrong-${prefix}`, 'tg-wrong'));
    await xaddIntent(redis, prefix, 'notify', send(`nochat-${prefix}`, 'tg-nochat'));
    await xaddIntent(redis, prefix, 'notify', send(`nodest-${prefix}`, 'nowhere'));
    const all = await settledReceipts(redis, prefix, 'notify', 5);
    slack.channelNotFound.delete(HOOK);
    const by = Object.fromEntries(all.map((r) => [r.idempotencyKey.split('-')[0], r]));
    expect(by.cnf).toMatchObject({ status: 'failed', error: { code: 'http_404' } });
    expect(by.cnf?.error?.message).toMatch(/channel_not_found/);
    expect(by.gone?.error?.message).toMatch(/no_service/);
    expect(by.wrong).toMatchObject({ status: 'failed', error: { code: 'unauthorized' } });
    expect(by.nochat?.error?.message).toMatch(/chat not found/);
    expect(by.nodest).toMatchObject({ status: 'rejected', error: { code: 'unknown_destination' } });
    const stored = JSON.stringify([all, await deadletters(redis, prefix, 'notify')]);
    for (const secret of [BOT, 'wrong-token-abcdefghij', HOOK, 'removed-hook', NTFY_TOKEN])
      expect(stored).not.toContain(secret);
  });

  it('Telegram acted but never answered: parked unknown, never a second message (onDoubt: resend sends again)', async () => {
    const prefix = testPrefix();
    const d = destinations({
      'tg-resend': {
        kind: 'telegram',
        botToken: BOT,
        chatId: '4242',
        apiBaseUrl: telegram.url,
        timeoutMs: 500,
        onDoubt: 'resend',
      },
    });
    await start(prefix, d);
    telegram.inject({ kind: 'act_then_hang' });
    await xaddIntent(redis, prefix, 'notify', send(`park-${prefix}`, 'tg'));
    const [parked] = await settledReceipts(redis, prefix, 'notify', 1);
    expect(parked).toMatchObject({ status: 'unknown' });
    expect(telegram.sent.filter((m) => m.text.includes(`park-${prefix}`))).toHaveLength(1);
    telegram.inject({ kind: 'act_then_hang' });
    await xaddIntent(redis, prefix, 'notify', send(`resend-${prefix}`, 'tg-resend'));
    const all = await settledReceipts(redis, prefix, 'notify', 2);
    expect(all.find((r) => r.idempotencyKey === `resend-${prefix}`)?.status).toBe('succeeded');
    expect(telegram.sent.filter((m) => m.text.includes(`resend-${prefix}`))).toHaveLength(2);
  });

  it('ntfy acted but dropped the connection: found in the topic, succeeded, one message', async () => {
    const prefix = testPrefix();
    await start(prefix);
    ntfy.inject({ kind: 'act_then_drop' });
    await xaddIntent(redis, prefix, 'notify', send(`drop-${prefix}`, 'phone'));
    const [receipt] = await settledReceipts(redis, prefix, 'notify', 1);
    expect(receipt?.status).toBe('succeeded');
    expect(
      ntfy.inTopic('ana-phone-9x7').filter((m) => m.message === `hello from drop-${prefix}`),
    ).toHaveLength(1);
  });
});
