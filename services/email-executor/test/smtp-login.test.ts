import { isNeedsReauth, isRetryAfter } from '@agent-ops/contracts/errors';
import { FakeGmail } from '@agent-ops/testkit/fake-gmail';
import { FakeSmtp } from '@agent-ops/testkit/fake-smtp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailAccount, EmailAccountSchema } from '../src/email-secrets.ts';
import { verifyLogin } from '../src/smtp-send.ts';

// The account check and the classification of refused logins, with the real nodemailer:
// which refusals hold the account (a person must log in) and which are only "try later".
const PASSWORD = 'smtp-password-login-1';
const USER = 'ops@acme.example';
const REFRESH = 'gmail-refresh-login-1';
let smtp: FakeSmtp;
let gmail: FakeGmail;

beforeAll(async () => {
  gmail = await new FakeGmail({ refreshTokens: { [REFRESH]: USER } }).start();
  smtp = await new FakeSmtp({
    users: { ops: PASSWORD },
    xoauth2: (user, token) => gmail.accessTokenOf(token) === user,
  }).start();
});
afterAll(async () => {
  await smtp.stop();
  await gmail.stop();
});

const plain = (password = PASSWORD): EmailAccount =>
  EmailAccountSchema.parse({
    smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none', user: 'ops', password },
    allowedFrom: [USER],
    timeouts: { connectMs: 2000, socketMs: 3000 },
  });
const google = (): EmailAccount =>
  EmailAccountSchema.parse({
    gmail: { user: USER, clientId: 'client-1', clientSecret: 'gmail-secret-login-1', refreshToken: REFRESH },
    allowedFrom: [USER],
    timeouts: { connectMs: 2000, socketMs: 3000 },
  });
const endpoints = () => ({ smtpUrl: `smtp://127.0.0.1:${smtp.port}`, tokenUrl: gmail.tokenUrl });

describe('SMTP login check (nodemailer verify) and refused logins', () => {
  it('a working login verifies, and nothing is sent', async () => {
    await verifyLogin(plain(), {});
    await verifyLogin(google(), endpoints());
    expect(smtp.messages).toHaveLength(0);
  });

  it('535 to AUTH: needs_reauth, naming the reply and not the password', async () => {
    const err = await verifyLogin(plain('not-the-password-9'), {}).catch((e: unknown) => e);
    expect(isNeedsReauth(err)).toBe(true);
    expect((err as Error).message).toMatch(/535/);
    expect((err as Error).message).not.toContain('not-the-password-9');
  });

  it('454 to AUTH (a temporary failure): tried again later, the account not held', async () => {
    smtp.inject({ kind: 'reply', stage: 'auth', code: 454, message: 'Temporary authentication failure' });
    const err = await verifyLogin(plain(), {}).catch((e: unknown) => e);
    expect(isNeedsReauth(err)).toBe(false);
    expect(isRetryAfter(err) && err.code).toBe('smtp_454');
  });

  it("a revoked Gmail grant (EAUTH with no reply code, nodemailer's EOAUTH2): needs_reauth, not a network fault", async () => {
    gmail.revokeGrant(REFRESH);
    try {
      const err = await verifyLogin(google(), endpoints()).catch((e: unknown) => e);
      expect(isNeedsReauth(err)).toBe(true);
      expect((err as Error).message).toMatch(/invalid_grant/);
    } finally {
      gmail.restoreGrant(REFRESH);
    }
  });

  it('a token endpoint that drops the connection: tried again later, the account not held', async () => {
    gmail.inject({ kind: 'drop' }, { method: 'POST', path: /^\/token$/ });
    const err = await verifyLogin(google(), endpoints()).catch((e: unknown) => e);
    expect(isNeedsReauth(err)).toBe(false);
    expect(isRetryAfter(err)).toBe(true);
  });
});
