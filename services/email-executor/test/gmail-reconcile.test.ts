import { channelKeys } from '@agent-ops/contracts/keys';
import type { EffectContext } from '@agent-ops/runtime/adapter';
import { createLogger } from '@agent-ops/runtime/logger';
import { FakeGmail } from '@agent-ops/testkit/fake-gmail';
import { FakeSmtp } from '@agent-ops/testkit/fake-smtp';
import { ExecutorHarness, settledReceipts } from '@agent-ops/testkit/in-process';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { deadletters, receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { EmailAdapter } from '../src/email-adapter.ts';
import { type EmailAccount, EmailAccountSchema } from '../src/email-secrets.ts';
import { finalDotMark } from '../src/final-dot.ts';
import { messageIdFor } from '../src/message-id.ts';

// A Gmail account end to end: nodemailer's XOAUTH2 against smtp-server, which files every
// message it stores into the fake Gmail's Sent, whose search shows it only after a delay; the
// real @googleapis/gmail client asks it.
const url = inject('redisUrl');
const redis = redisClient(url);
const USER = 'ops@acme.example';
const CLIENT = { id: 'client-1.apps.googleusercontent.com', secret: 'gmail-client-secret-4b1d' };
const REFRESH = 'gmail-refresh-token-9c2e77';
let gmail: FakeGmail;
let smtp: FakeSmtp;
const harness = new ExecutorHarness(url);

beforeAll(async () => {
  gmail = await new FakeGmail({
    refreshTokens: { [REFRESH]: USER },
    client: CLIENT,
    visibilityDelayMs: 1500,
  }).start();
  smtp = await new FakeSmtp({
    xoauth2: (user, token) => gmail.accessTokenOf(token) === user,
    onStore: (msg) => {
      if (msg.user) gmail.file(msg.user, msg.raw);
    },
  }).start();
});
afterEach(async () => {
  await harness.closeAll();
  smtp.clearFaults();
  gmail.clearFaults();
  gmail.restoreGrant(REFRESH);
});
afterAll(async () => {
  await smtp.stop();
  await gmail.stop();
  await redis.quit();
});

function account(extra: Record<string, unknown> = {}): EmailAccount {
  return EmailAccountSchema.parse({
    gmail: { user: USER, clientId: CLIENT.id, clientSecret: CLIENT.secret, refreshToken: REFRESH },
    allowedFrom: [USER],
    sentSettleMs: 20_000,
    timeouts: { connectMs: 2000, socketMs: 3000 },
    ...extra,
  });
}

const adapter = (a: EmailAccount = account()) =>
  new EmailAdapter(new Map([['acme', a]]), {
    gmail: { smtpUrl: `smtp://127.0.0.1:${smtp.port}`, tokenUrl: gmail.tokenUrl, rootUrl: gmail.rootUrl },
  });

const mail = (key: string) => ({
  v: 1 as const,
  idempotencyKey: key,
  action: 'email.send' as const,
  account: 'acme',
  payload: { from: USER, to: ['ada@example.com'], subject: `gmail ${key}`, text: 'hello' },
  notBefore: null,
  expiresAt: null,
  approval: null,
  meta: {},
});

const ctx = (previousMarks: string[]): EffectContext => ({
  attempt: 2,
  startedAt: new Date(),
  previousMarks,
  cause: null,
  mark: async () => {},
  log: createLogger('test', 'silent'),
});

describe('email reconcile through the Gmail API', () => {
  it('a connection dropped after the dot: not yet in search, asked again, found in Sent: succeeded, sent once', async () => {
    const prefix = testPrefix();
    await harness.start(adapter(), { prefix, leaseTtlMs: 3000, backoff: { baseMs: 200, maxMs: 400 } });
    const key = `drop-${prefix}`;
    smtp.inject({ kind: 'act_then_drop' });
    await xaddIntent(redis, prefix, 'email', mail(key));
    const [receipt] = await settledReceipts(redis, prefix, 'email', 1);
    const messageId = messageIdFor(key, 'acme.example');
    expect(receipt).toMatchObject({ status: 'succeeded', externalId: messageId });
    const sent = smtp.messagesWithSubject(`gmail ${key}`);
    expect(sent).toHaveLength(1);
    // Submitted with AUTH XOAUTH2 and a token from the fake's token endpoint.
    expect(sent[0]?.user).toBe(USER);
    // The first search came before the message was visible, and found nothing.
    const lists = gmail.listCalls();
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(lists[0]?.query).toMatchObject({ q: [`rfc822msgid:${messageId}`], labelIds: ['SENT'] });
    expect(lists[0]?.account).toBe(USER);
  });

  it('no final_dot mark: not_done without asking Gmail', async () => {
    const before = gmail.calls.length;
    expect(await adapter().reconcile(mail(`nomark-${Date.now()}`), ctx([]))).toEqual({ outcome: 'not_done' });
    expect(gmail.calls.length).toBe(before);
  });

  it('marked, and absent from Sent: asked again within sentSettleMs, not_done after it', async () => {
    const key = `absent-${Date.now()}`;
    await expect(
      adapter().reconcile(mail(key), ctx([finalDotMark(Date.now() - 1000)])),
    ).rejects.toMatchObject({
      code: 'not_in_sent_yet',
    });
    expect(await adapter().reconcile(mail(key), ctx([finalDotMark(Date.now() - 21_000)]))).toEqual({
      outcome: 'not_done',
    });
    // The latest dot counts: an old one and a recent one still wait.
    await expect(
      adapter().reconcile(
        mail(key),
        ctx([finalDotMark(Date.now() - 60_000), finalDotMark(Date.now() - 500)]),
      ),
    ).rejects.toMatchObject({ code: 'not_in_sent_yet' });
  });

  it('follows nextPageToken past empty pages', async () => {
    const paged = await new FakeGmail({
      refreshTokens: { [REFRESH]: USER },
      visibilityDelayMs: 0,
      leadingEmptyPages: 2,
    }).start();
    try {
      const key = `paged-${Date.now()}`;
      paged.file(USER, `Message-ID: ${messageIdFor(key, 'acme.example')}\r\nSubject: x\r\n\r\nbody\r\n`);
      const a = new EmailAdapter(new Map([['acme', account()]]), {
        gmail: { tokenUrl: paged.tokenUrl, rootUrl: paged.rootUrl },
      });
      expect(await a.reconcile(mail(key), ctx([finalDotMark(Date.now())]))).toMatchObject({
        outcome: 'done',
      });
      expect(paged.listCalls()).toHaveLength(3);
    } finally {
      await paged.stop();
    }
  });

  it('a refused refresh token or an API error cannot be asked now, and no credential is in the error', async () => {
    const revoked = account({
      gmail: {
        user: USER,
        clientId: CLIENT.id,
        clientSecret: CLIENT.secret,
        refreshToken: 'revoked-token-123456',
      },
    });
    const err1 = await adapter(revoked)
      .reconcile(mail(`revoked-${Date.now()}`), ctx([finalDotMark(Date.now())]))
      .catch((e: Error) => e);
    expect(err1).toMatchObject({ code: 'gmail_invalid_grant' });
    gmail.inject({ kind: 'status', status: 500 });
    const err2 = await adapter()
      .reconcile(mail(`e500-${Date.now()}`), ctx([finalDotMark(Date.now())]))
      .catch((e: Error) => e);
    expect(err2).toMatchObject({ code: 'gmail_500' });
    gmail.inject({ kind: 'rate_limit', retryAfterSec: 2 });
    const err3 = await adapter()
      .reconcile(mail(`e429-${Date.now()}`), ctx([finalDotMark(Date.now())]))
      .catch((e: Error) => e);
    expect(err3).toMatchObject({ code: 'gmail_429' });
    const text = JSON.stringify([err1, err2, err3].map((e) => [String(e), (e as Error).message]));
    for (const secret of [CLIENT.secret, REFRESH, 'revoked-token-123456', 'ya29.'])
      expect(text).not.toContain(secret);
  });
});

describe('a Gmail account whose grant is revoked', () => {
  it("invalid_grant (nodemailer's EAUTH with no reply) holds the account, not retried as a network fault; after the login the message is sent once", async () => {
    const prefix = testPrefix();
    const k = channelKeys(prefix, 'email');
    gmail.revokeGrant(REFRESH);
    await harness.start(adapter(), { prefix, leaseTtlMs: 3000, reauthCheckMs: 200 });
    const key = `revoked-${prefix}`;
    await xaddIntent(redis, prefix, 'email', mail(key));
    await waitFor(async () => (await redis.hlen(k.held)) === 1, 'the message held');
    const record = JSON.parse((await redis.hget(k.accounts, 'acme')) ?? '{}');
    expect(record).toMatchObject({ status: 'needs_reauth' });
    expect(record.reason).toMatch(/invalid_grant/);
    for (const secret of [REFRESH, CLIENT.secret]) expect(JSON.stringify(record)).not.toContain(secret);
    expect(await receipts(redis, prefix, 'email')).toHaveLength(0);
    expect(await deadletters(redis, prefix, 'email')).toHaveLength(0);

    gmail.restoreGrant(REFRESH);
    const [receipt] = await settledReceipts(redis, prefix, 'email', 1);
    expect(receipt).toMatchObject({ status: 'succeeded', externalId: messageIdFor(key, 'acme.example') });
    expect(smtp.messagesWithSubject(`gmail ${key}`)).toHaveLength(1);
  });
});
