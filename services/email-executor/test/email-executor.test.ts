import { channelKeys } from '@agent-ops/contracts/keys';
import { FakeSmtp } from '@agent-ops/testkit/fake-smtp';
import { ExecutorHarness, settledReceipts } from '@agent-ops/testkit/in-process';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { deadletters, pendingCount, receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { EmailAdapter } from '../src/email-adapter.ts';
import { type EmailAccount, EmailAccountSchema } from '../src/email-secrets.ts';
import { messageIdFor } from '../src/message-id.ts';

const url = inject('redisUrl');
const redis = redisClient(url);
const PASSWORD = 'smtp-password-7f3a9c';
let fake: FakeSmtp;
const harness = new ExecutorHarness(url);

beforeAll(async () => {
  fake = await new FakeSmtp({ users: { ops: PASSWORD } }).start();
});
afterEach(async () => {
  await harness.closeAll();
  fake.clearFaults();
  fake.setPassword('ops', PASSWORD);
});
afterAll(async () => {
  await fake.stop();
  await redis.quit();
});

function account(extra: Record<string, unknown> = {}): EmailAccount {
  return EmailAccountSchema.parse({
    smtp: { host: '127.0.0.1', port: fake.port, tls: 'none', user: 'ops', password: PASSWORD },
    allowedFrom: ['ops@acme.example'],
    messageIdDomain: 'mail.acme.example',
    timeouts: { connectMs: 2000, socketMs: 3000 },
    ...extra,
  });
}

async function start(
  prefix: string,
  accounts: Record<string, EmailAccount> = { acme: account() },
  extra: Record<string, unknown> = {},
) {
  return harness.start(new EmailAdapter(new Map(Object.entries(accounts))), {
    prefix,
    leaseTtlMs: 3000,
    backoff: { baseMs: 50, maxMs: 100 },
    ...extra,
  });
}

const mail = (key: string, payload: Record<string, unknown>, acct = 'acme') => ({
  v: 1,
  idempotencyKey: key,
  action: 'email.send',
  account: acct,
  payload: {
    from: 'ops@acme.example',
    to: ['ada@example.com'],
    subject: `subject ${key}`,
    text: 'hello',
    ...payload,
  },
});

function receiptsOf(prefix: string, n: number) {
  return settledReceipts(redis, prefix, 'email', n);
}

describe('email-executor with the real nodemailer and an SMTP server', () => {
  it('sends every field, with the deterministic Message-ID as the receipt externalId', async () => {
    const prefix = testPrefix();
    await start(prefix);
    const key = `welcome-${prefix}`;
    await xaddIntent(
      redis,
      prefix,
      'email',
      mail(key, {
        to: ['ada@example.com'],
        cc: ['grace@example.com'],
        bcc: ['audit@acme.example'],
        html: '<p>hello</p>',
        replyTo: 'support@acme.example',
        inReplyTo: '<earlier@example.com>',
        references: ['<earlier@example.com>'],
        attachments: [
          {
            filename: 'note.txt',
            contentType: 'text/plain',
            contentBase64: Buffer.from('a note').toString('base64'),
          },
        ],
      }),
    );
    const [receipt] = await receiptsOf(prefix, 1);
    const expectedId = messageIdFor(key, 'mail.acme.example');
    const msg = fake.byMessageId(expectedId);
    expect(receipt).toMatchObject({ status: 'succeeded', externalId: expectedId, url: null });
    expect(msg).toMatchObject({
      to: ['ada@example.com'],
      cc: ['grace@example.com'],
      bcc: ['audit@acme.example'],
      subject: `subject ${key}`,
      text: expect.stringContaining('hello'),
      html: '<p>hello</p>',
      inReplyTo: '<earlier@example.com>',
      references: ['<earlier@example.com>'],
      user: 'ops',
    });
    expect(msg?.attachments).toEqual([{ filename: 'note.txt', contentType: 'text/plain', size: 6 }]);
  });

  it('rejects a sender the account may not use, before any connection', async () => {
    const prefix = testPrefix();
    await start(prefix);
    const calls = fake.calls.length;
    await xaddIntent(redis, prefix, 'email', mail(`spoof-${prefix}`, { from: 'ceo@acme.example' }));
    const [receipt] = await receiptsOf(prefix, 1);
    expect(receipt).toMatchObject({ status: 'rejected', error: { code: 'sender_not_allowed' } });
    expect(fake.calls.length).toBe(calls);
  });

  it('a 550 fails for good (receipt and deadletter); a 451 is tried again and sent once', async () => {
    const prefix = testPrefix();
    await start(prefix);
    fake.inject({ kind: 'reply', stage: 'rcpt', code: 550, message: 'No such user' });
    await xaddIntent(redis, prefix, 'email', mail(`perm-${prefix}`, {}));
    await receiptsOf(prefix, 1);
    fake.inject({ kind: 'reply', stage: 'mail', code: 451, message: 'Try again later' });
    await xaddIntent(redis, prefix, 'email', mail(`temp-${prefix}`, {}));
    const all = await receiptsOf(prefix, 2);
    const byKey = Object.fromEntries(all.map((r) => [r.idempotencyKey, r]));
    expect(byKey[`perm-${prefix}`]).toMatchObject({
      status: 'failed',
      error: { code: 'smtp_550', retryable: false },
    });
    expect(byKey[`temp-${prefix}`]).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(fake.messagesWithSubject(`subject temp-${prefix}`)).toHaveLength(1);
    expect(await deadletters(redis, prefix, 'email')).toHaveLength(1);
  });

  it('a connection lost after the message was sent is parked as unknown, or sent again with atLeastOnce', async () => {
    const prefix = testPrefix();
    await start(prefix, { acme: account(), loud: account({ atLeastOnce: true }) });
    fake.inject({ kind: 'act_then_drop' });
    await xaddIntent(redis, prefix, 'email', mail(`park-${prefix}`, {}));
    await receiptsOf(prefix, 1);
    fake.inject({ kind: 'act_then_drop' });
    await xaddIntent(redis, prefix, 'email', mail(`again-${prefix}`, {}, 'loud'));
    const all = await receiptsOf(prefix, 2);
    const byKey = Object.fromEntries(all.map((r) => [r.idempotencyKey, r]));
    expect(byKey[`park-${prefix}`]).toMatchObject({
      status: 'unknown',
      error: { code: 'connection_dropped' },
    });
    expect(byKey[`park-${prefix}`]?.error?.message).toMatch(/cannot tell/);
    expect(fake.messagesWithSubject(`subject park-${prefix}`)).toHaveLength(1);
    expect(byKey[`again-${prefix}`]?.status).toBe('succeeded');
    const twice = fake.messagesWithSubject(`subject again-${prefix}`);
    expect(twice).toHaveLength(2);
    expect(new Set(twice.map((m) => m.messageId)).size).toBe(1);
  });

  it('a refused login (535) holds the account, no secret in any record; with the password right again, the message is sent once', async () => {
    const prefix = testPrefix();
    const k = channelKeys(prefix, 'email');
    // The password was changed at the provider: the one in the secrets file gets 535.
    fake.setPassword('ops', 'changed-at-the-provider-5d1');
    await start(prefix, { acme: account() }, { reauthCheckMs: 200 });
    await xaddIntent(redis, prefix, 'email', mail(`auth-${prefix}`, {}));
    await waitFor(async () => (await redis.hlen(k.held)) === 1, 'the message held');
    const record = JSON.parse((await redis.hget(k.accounts, 'acme')) ?? '{}');
    expect(record).toMatchObject({ status: 'needs_reauth' });
    expect(record.reason).toMatch(/535/);
    expect(await receipts(redis, prefix, 'email')).toHaveLength(0);
    expect(await deadletters(redis, prefix, 'email')).toHaveLength(0);
    expect(fake.messagesWithSubject(`subject auth-${prefix}`)).toHaveLength(0);

    fake.setPassword('ops', PASSWORD);
    const [receipt] = await receiptsOf(prefix, 1);
    expect(receipt).toMatchObject({ status: 'succeeded', idempotencyKey: `auth-${prefix}` });
    expect(fake.messagesWithSubject(`subject auth-${prefix}`)).toHaveLength(1);
    const stored = JSON.stringify([record, receipt, await redis.hgetall(k.accounts)]);
    expect(stored).not.toContain(PASSWORD);
  });
});
