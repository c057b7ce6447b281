import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../src/alerts/alert-events.ts';
import { alertIntent, alertKey } from '../src/alerts/alert-intent.ts';
import { alertMessage } from '../src/alerts/alert-message.ts';
import { AlertsConfigSchema } from '../src/alerts/alerts-config.ts';
import { approvalLink, verifyApprovalRef } from '../src/alerts/approval-link.ts';
import { approvalEvents } from '../src/alerts/approval-scan.ts';
import { CoordinatorConfigSchema } from '../src/config.ts';

const event = (i: number, kind: AlertEvent['kind'] = 'failed'): AlertEvent => ({
  id: `${kind}.x.key-${i}.1-${i}`,
  kind,
  channel: 'x',
  key: `key-${i}`,
  account: 'acme',
  summary: `x.post for acme (key-${i}) failed`,
  link: null,
});

describe('alerts: config, messages, keys and links', () => {
  it('names the field of a bad config: an unknown destination, email without a sender, an alert account under approval', () => {
    const bad = AlertsConfigSchema.safeParse({
      destinations: { 'ana-mail': { via: 'email', to: ['ana@example.com'] } },
      people: { ana: { destinations: ['ana-mail', 'nowhere'] } },
    });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(paths).toEqual(
      expect.arrayContaining([
        'email: required for the email destination ana-mail: {"account", "from"}',
        'people.ana.destinations.1: nowhere is not in alerts.destinations',
      ]),
    );
    const looped = CoordinatorConfigSchema.safeParse({
      tokens: [{ name: 'a', role: 'operator', token: 'x'.repeat(24) }],
      approval: { accounts: { alerts: {} } },
      alerts: { account: 'alerts' },
    });
    expect(looped.error?.issues.map((i) => i.path.join('.'))).toEqual(['alerts.account']);
  });

  it('the same batch of events always gives the same key and message', () => {
    const events = [event(1), event(2)];
    expect(alertKey('ana-phone', events)).toBe(alertKey('ana-phone', [event(1), event(2)]));
    expect(alertKey('ana-phone', events)).not.toBe(alertKey('team', events));
    expect(alertKey('ana-phone', events)).toMatch(/^alert\.ana-phone\.[0-9a-f]{24}$/);
    expect(alertMessage(events, 20, null)).toEqual(alertMessage([event(1), event(2)], 20, null));
  });

  it('a digest names the first lines and counts the rest; one event is one plain alert', () => {
    const many = Array.from({ length: 200 }, (_, i) => event(i));
    const digest = alertMessage(many, 20, 'https://ops.example');
    expect(digest.title).toBe('agent-ops: 200 events');
    expect(digest.text.split('\n')[0]).toBe('200 events: 200 failed.');
    expect(digest.text).toContain('… and 180 more on the dashboard.');
    expect(digest.link).toBe('https://ops.example');
    const one = alertMessage([event(1, 'unknown')], 20, null);
    expect(one).toMatchObject({
      title: 'agent-ops: Parked as unknown: a person must check',
      priority: 'high',
    });
  });

  it('an email destination becomes an email.send intent of the configured sender; a notify one names the destination only', () => {
    const config = AlertsConfigSchema.parse({
      email: { account: 'mailer', from: 'ops@example.com' },
      destinations: { 'ana-mail': { via: 'email', to: ['ana@example.com'] }, phone: { via: 'notify' } },
      people: { ana: { destinations: ['ana-mail', 'phone'] } },
    });
    const message = alertMessage([event(1)], 20, null);
    expect(alertIntent(config, 'ana-mail', [event(1)], message)).toMatchObject({
      action: 'email.send',
      account: 'mailer',
      payload: { from: 'ops@example.com', to: ['ana@example.com'], subject: 'agent-ops: Failed' },
    });
    expect(alertIntent(config, 'phone', [event(1)], message)).toMatchObject({
      action: 'notify.send',
      account: 'alerts',
      payload: { destination: 'phone', title: 'agent-ops: Failed' },
    });
  });

  it('an approval link verifies with its key only, until it expires, and names nothing but the intent', () => {
    const key = 'k'.repeat(32);
    const link = approvalLink('https://ops.example/', key, {
      channel: 'x',
      key: 'launch-1',
      expiresAt: Date.now() + 60_000,
    });
    const ref = link.replace('https://ops.example/approve/', '');
    expect(verifyApprovalRef(key, ref)).toMatchObject({ ok: true, ref: { channel: 'x', key: 'launch-1' } });
    expect(verifyApprovalRef('j'.repeat(32), ref)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyApprovalRef(key, ref, Date.now() + 120_000)).toEqual({ ok: false, reason: 'expired' });
    const [body, mac] = ref.split('.');
    const other = Buffer.from(JSON.stringify({ c: 'x', k: 'launch-2', e: 9_999_999_999 })).toString(
      'base64url',
    );
    expect(verifyApprovalRef(key, `${other}.${mac}`)).toEqual({ ok: false, reason: 'invalid' });
    expect(Buffer.from(body ?? '', 'base64url').toString()).not.toContain(key);
  });

  it('a thread waiting for approval is named by its first post', () => {
    const config = AlertsConfigSchema.parse({});
    const at = '2026-01-01T00:00:00.000Z';
    const intent = {
      v: 1 as const,
      idempotencyKey: 'launch-thread',
      action: 'x.thread' as const,
      account: 'acme',
      payload: { parts: [{ text: 'We launch today' }, { text: 'Here is how' }] },
    };
    const record = {
      idempotencyKey: 'launch-thread',
      channel: 'x' as const,
      action: 'x.thread' as const,
      account: 'acme',
      state: 'pending_approval' as const,
      intent,
      contentHash: null,
      submittedAt: at,
      submittedBy: null,
      updatedAt: at,
      approvalDeadline: null,
      decision: null,
      receipt: null,
    };
    const [e] = approvalEvents(config, [record], Date.parse(at));
    expect(e?.summary).toMatch(
      /^x\.thread for acme \(launch-thread\) waits for your approval: "We launch today"/,
    );
  });
});
