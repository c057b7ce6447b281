import { RetryAfterError } from '@agent-ops/contracts/errors';
import type { EffectContext } from '@agent-ops/runtime/adapter';
import { createLogger } from '@agent-ops/runtime/logger';
import { FakeSmtp } from '@agent-ops/testkit/fake-smtp';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmailAdapter } from '../src/email-adapter.ts';
import { EmailAccountSchema } from '../src/email-secrets.ts';
import { lastFinalDot } from '../src/final-dot.ts';
import { messageIdFor } from '../src/message-id.ts';

// perform against smtp-server, with a ctx whose mark the test controls: when the mark is
// called, how far the SMTP transaction had got at the server, and what happens when it throws.
let fake: FakeSmtp;
beforeAll(async () => {
  fake = await new FakeSmtp().start();
});
afterEach(() => fake.clearFaults());
afterAll(() => fake.stop());

const adapter = () =>
  new EmailAdapter(
    new Map([
      [
        'acme',
        EmailAccountSchema.parse({
          smtp: { host: '127.0.0.1', port: fake.port, tls: 'none' },
          allowedFrom: ['ops@acme.example'],
          timeouts: { connectMs: 2000, socketMs: 3000 },
        }),
      ],
    ]),
  );

const intent = (key: string, text = 'hello') => ({
  v: 1 as const,
  idempotencyKey: key,
  action: 'email.send' as const,
  account: 'acme',
  payload: { from: 'ops@acme.example', to: ['ada@example.com'], subject: `s ${key}`, text },
  notBefore: null,
  expiresAt: null,
  approval: null,
  meta: {},
});

/** A context as the runtime makes one: a mark made by this attempt is seen by its own reconcile. */
function ctx(mark: (name: string) => Promise<void>): EffectContext {
  const previousMarks: string[] = [];
  return {
    attempt: 1,
    startedAt: new Date(),
    previousMarks,
    cause: null,
    mark: async (name) => {
      await mark(name);
      previousMarks.push(name);
    },
    log: createLogger('test', 'silent'),
  };
}

const lastCall = () => fake.calls[fake.calls.length - 1];

describe('the final_dot mark', () => {
  it('is written after the server answered DATA and before the final dot: nothing is accepted while it is pending', async () => {
    const key = `held-${Date.now()}`;
    const marks: string[] = [];
    let seenAtMark: { stage?: string; accepted?: boolean; stored: number } | null = null;
    // A long message: many chunks reach the server before the tail is held back.
    const text = 'line of the body\n'.repeat(20_000);
    await adapter().perform(
      intent(key, text),
      ctx(async (name) => {
        await new Promise((r) => setTimeout(r, 300));
        seenAtMark = {
          stage: lastCall()?.stage,
          accepted: lastCall()?.accepted,
          stored: fake.messagesWithSubject(`s ${key}`).length,
        };
        marks.push(name);
      }),
    );
    expect(seenAtMark).toEqual({ stage: 'data', accepted: false, stored: 0 });
    expect(marks).toHaveLength(1);
    expect(lastFinalDot(marks)).toBeGreaterThan(Date.now() - 10_000);
    const [msg] = fake.messagesWithSubject(`s ${key}`);
    expect(msg?.messageId).toBe(messageIdFor(key, 'acme.example'));
    expect(msg?.text?.length).toBe(text.length);
  });

  it('a mark refused (the lease went to another owner) closes the connection without the dot: nothing sent', async () => {
    const key = `lost-${Date.now()}`;
    const lost = new RetryAfterError('the lease passed to another owner', 0, 'lease_lost');
    const calls = fake.calls.length;
    await expect(
      adapter().perform(
        intent(key),
        ctx(async () => {
          throw lost;
        }),
      ),
    ).rejects.toBe(lost);
    await waitFor(
      () => fake.calls.length > calls && lastCall()?.stage === 'data',
      'the transaction to reach DATA',
    );
    // The server saw DATA start and the connection go; it stored nothing, now or later.
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.messagesWithSubject(`s ${key}`)).toHaveLength(0);
    expect(lastCall()?.accepted).toBe(false);
  });

  it('a refusal at MAIL FROM or RCPT TO comes before DATA: no mark', async () => {
    const marks: string[] = [];
    const record = async (name: string) => {
      marks.push(name);
    };
    fake.inject({ kind: 'reply', stage: 'rcpt', code: 550, message: 'No such user' });
    await expect(adapter().perform(intent(`rcpt-${Date.now()}`), ctx(record))).rejects.toMatchObject({
      code: 'smtp_550',
    });
    fake.inject({ kind: 'reply', stage: 'mail', code: 451, message: 'Try again later' });
    await expect(adapter().perform(intent(`mail-${Date.now()}`), ctx(record))).rejects.toMatchObject({
      code: 'smtp_451',
    });
    fake.inject({ kind: 'drop_before_data' });
    await expect(adapter().perform(intent(`drop-${Date.now()}`), ctx(record))).rejects.toMatchObject({
      code: 'connection_dropped',
    });
    expect(marks).toEqual([]);
  });

  it('a connection lost after the dot is unknown, and reconcile sees this attempt reached the dot', async () => {
    const a = adapter();
    const key = `after-${Date.now()}`;
    fake.inject({ kind: 'act_then_drop' });
    const c = ctx(async () => {});
    await expect(a.perform(intent(key), c)).rejects.toMatchObject({ code: 'connection_dropped' });
    // Plain SMTP, no Sent mailbox: the dot was written, so only a person can tell.
    expect(await a.reconcile(intent(key), c)).toMatchObject({ outcome: 'unknown' });
    // An attempt that made no mark (another process's, say): nothing was sent.
    expect(
      await adapter().reconcile(
        intent(key),
        ctx(async () => {}),
      ),
    ).toEqual({ outcome: 'not_done' });
  });
});
