import type { EffectContext } from '@agent-ops/runtime/adapter';
import { createLogger } from '@agent-ops/runtime/logger';
import { type Aiosmtpd, startAiosmtpd } from '@agent-ops/testkit/aiosmtpd';
import { type Dovecot, startDovecot } from '@agent-ops/testkit/dovecot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailAdapter } from '../src/email-adapter.ts';
import { type EmailAccount, EmailAccountSchema } from '../src/email-secrets.ts';
import { finalDotMark } from '../src/final-dot.ts';
import { messageIdFor } from '../src/message-id.ts';

// Real servers nobody here wrote: aiosmtpd accepts and files each message into the Sent
// Maildir that dovecot serves over IMAP, as a provider that files submissions does.
const PASSWORD = 'imap-password-5e81c0';
let dovecot: Dovecot;
let smtp: Aiosmtpd;

beforeAll(async () => {
  dovecot = await startDovecot({ users: { ops: PASSWORD } });
  smtp = await startAiosmtpd({ maildir: dovecot.sentMaildir('ops') });
});
afterAll(async () => {
  await smtp?.stop();
  await dovecot?.stop();
});

function account(imap: Record<string, unknown> = {}): EmailAccount {
  return EmailAccountSchema.parse({
    smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none' },
    imap: { host: '127.0.0.1', port: dovecot.port, tls: 'none', user: 'ops', password: PASSWORD, ...imap },
    allowedFrom: ['ops@acme.example'],
    sentSettleMs: 10_000,
    timeouts: { connectMs: 2000, socketMs: 5000 },
  });
}

const adapter = (a: EmailAccount = account()) => new EmailAdapter(new Map([['acme', a]]));

const mail = (key: string) => ({
  v: 1 as const,
  idempotencyKey: key,
  action: 'email.send' as const,
  account: 'acme',
  payload: { from: 'ops@acme.example', to: ['ada@example.com'], subject: `imap ${key}`, text: 'hello' },
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

describe('email reconcile through IMAP (dovecot) for a provider that files submissions into Sent', () => {
  it('a message the server accepted is found in Sent by its Message-ID: done', async () => {
    const key = `found-${Date.now()}`;
    const a = adapter();
    await a.perform(mail(key), ctx([]));
    const messageId = messageIdFor(key, 'acme.example');
    await smtp.whenStored(messageId);
    expect(await a.reconcile(mail(key), ctx([finalDotMark(Date.now())]))).toEqual({
      outcome: 'done',
      result: { externalId: messageId, url: null },
    });
  });

  it('marked but not in Sent: asked again within sentSettleMs, not_done after it; a named mailbox is searched', async () => {
    const key = `absent-${Date.now()}`;
    await expect(adapter().reconcile(mail(key), ctx([finalDotMark(Date.now())]))).rejects.toMatchObject({
      code: 'not_in_sent_yet',
    });
    expect(await adapter().reconcile(mail(key), ctx([finalDotMark(Date.now() - 11_000)]))).toEqual({
      outcome: 'not_done',
    });
    // INBOX holds nothing of ours: naming it searches it instead of the \Sent mailbox.
    const sent = `sent-${Date.now()}`;
    await adapter().perform(mail(sent), ctx([]));
    const inInbox = adapter(account({ mailbox: 'INBOX' }));
    await expect(inInbox.reconcile(mail(sent), ctx([finalDotMark(Date.now())]))).rejects.toMatchObject({
      code: 'not_in_sent_yet',
    });
  });

  it('a refused login cannot be asked now, and the password is in no error', async () => {
    const wrong = adapter(account({ password: 'not-the-imap-password' }));
    const err = await wrong
      .reconcile(mail(`auth-${Date.now()}`), ctx([finalDotMark(Date.now())]))
      .catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'imap_auth' });
    expect(JSON.stringify([String(err), (err as Error).message])).not.toMatch(
      /not-the-imap-password|imap-password-5e81c0/,
    );
    const missing = adapter(account({ mailbox: 'No Such Box' }));
    await expect(
      missing.reconcile(mail(`nobox-${Date.now()}`), ctx([finalDotMark(Date.now())])),
    ).rejects.toMatchObject({ code: 'imap_unavailable' });
  });
});
