import { describe, expect, it } from 'vitest';
import { decodeIntentEntry, encodeIntent, parseIntentJson } from '../src/codec.ts';
import { LIMITS } from '../src/limits.ts';
import { README_INTENT, validIntent } from './fixtures.ts';

const entry = (value: unknown) => ['intent', typeof value === 'string' ? value : JSON.stringify(value)];

describe('decodeIntentEntry', () => {
  it('decodes the README example and applies nothing it did not say', () => {
    const result = decodeIntentEntry(entry(README_INTENT), { channel: 'x' });
    expect(result).toEqual({ ok: true, intent: README_INTENT });
  });

  it('accepts a producer that omits every optional field', () => {
    const minimal = { v: 1, idempotencyKey: 'k1', action: 'x.post', account: 'a', payload: { text: 'hi' } };
    const result = decodeIntentEntry(entry(minimal), { channel: 'x' });
    expect(result.ok).toBe(true);
  });

  it('accepts fields as a record as well as a flat list', () => {
    expect(decodeIntentEntry({ intent: JSON.stringify(README_INTENT) }).ok).toBe(true);
  });

  it('applies payload defaults (calendarId primary)', () => {
    const result = decodeIntentEntry(
      entry({
        v: 1,
        idempotencyKey: 'cal-1',
        action: 'calendar.create',
        account: 'me',
        payload: { summary: 'Standup', start: { date: '2026-12-01' }, end: { date: '2026-12-02' } },
      }),
      { channel: 'calendar' },
    );
    expect(result.ok && result.intent.payload).toMatchObject({ calendarId: 'primary' });
  });

  // Each malformed example must fail with an issue naming the field that is wrong.
  const malformed: Array<[string, string[], string, RegExp]> = [
    ['bad JSON', entry('{"v":1,'), 'intent', /not valid JSON/],
    ['not an object', entry('[1,2]'), 'intent', /JSON object/],
    ['no intent field', ['payload', '{}'], 'intent', /missing.*fields seen: payload/],
    [
      'missing idempotencyKey',
      entry({ ...validIntent(), idempotencyKey: undefined }),
      'idempotencyKey',
      /string/,
    ],
    ['key with spaces', entry(validIntent({ idempotencyKey: 'launch day' })), 'idempotencyKey', /1 to 200/],
    [
      'key over 200 chars',
      entry(validIntent({ idempotencyKey: 'k'.repeat(201) })),
      'idempotencyKey',
      /1 to 200/,
    ],
    ['empty key', entry(validIntent({ idempotencyKey: '' })), 'idempotencyKey', /1 to 200/],
    ['key as a number', entry(validIntent({ idempotencyKey: 42 })), 'idempotencyKey', /string/],
    ['wrong version', entry(validIntent({ v: 2 })), 'v', /must be 1/],
    ['unknown action', entry(validIntent({ action: 'x.like' })), 'action', /one of x\.post/],
    ['action of another channel', entry(validIntent()), 'action', /belongs to channel x, not email/],
    ['account as a number', entry(validIntent({ account: 7 })), 'account', /string/],
    ['account as an object', entry(validIntent({ account: { id: 1 } })), 'account', /string/],
    ['account with a slash', entry(validIntent({ account: 'a/b' })), 'account', /1 to 64/],
    ['payload missing text', entry(validIntent({ payload: {} })), 'payload.text', /string/],
    [
      'payload text too long',
      entry(validIntent({ payload: { text: 'x'.repeat(25_001) } })),
      'payload.text',
      /25000/,
    ],
    [
      'unknown payload field',
      entry(validIntent({ payload: { text: 'a', poll: 1 } })),
      'payload',
      /unknown field poll/,
    ],
    ['unknown envelope field', entry(validIntent({ expiresat: null })), '(root)', /unknown field expiresat/],
    ['notBefore not a date', entry(validIntent({ notBefore: 'tomorrow' })), 'notBefore', /ISO 8601/],
    [
      'expiresAt before notBefore',
      entry(validIntent({ notBefore: '2026-12-01T10:00:00Z', expiresAt: '2026-12-01T09:00:00Z' })),
      'expiresAt',
      /later than notBefore/,
    ],
    ['meta with an object value', entry(validIntent({ meta: { deep: { a: 1 } } })), 'meta.deep', /./],
    [
      'approval with a short signature',
      entry(
        validIntent({
          approval: {
            by: 'p',
            at: '2026-11-24T10:00:00Z',
            expiresAt: '2026-11-25T10:00:00Z',
            keyId: 'k1',
            signature: 'abc',
          },
        }),
      ),
      'approval.signature',
      /86 characters/,
    ],
    [
      'reply id not digits',
      entry(validIntent({ action: 'x.reply', payload: { text: 'a', inReplyToPostId: 'abc' } })),
      'payload.inReplyToPostId',
      /post id/,
    ],
    [
      'email without a body',
      entry(validIntent({ action: 'email.send', payload: { from: 'a@b.co', to: ['c@d.co'], subject: 's' } })),
      'payload.text',
      /text or html/,
    ],
    [
      'email to a non-address',
      entry(
        validIntent({
          action: 'email.send',
          payload: { from: 'a@b.co', to: ['nobody'], subject: 's', text: 't' },
        }),
      ),
      'payload.to[0]',
      /email address/,
    ],
    [
      'webhook naming a URL',
      entry(validIntent({ action: 'webhook.call', payload: { endpoint: 'deploy', url: 'http://evil' } })),
      'payload',
      /unknown field url/,
    ],
    [
      'payload too large',
      entry(validIntent({ payload: { text: 'x'.repeat(LIMITS.intentBytes) } })),
      'intent',
      /bytes; at most 1048576/,
    ],
  ];

  it.each(malformed)('refuses %s, naming the field', (_name, fields, field, message) => {
    const channel = _name === 'action of another channel' ? 'email' : 'x';
    const result = decodeIntentEntry(fields, { channel });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const issue = result.issues.find((i) => i.field === field);
    expect(issue, `issues were ${JSON.stringify(result.issues)}`).toBeDefined();
    expect(issue?.message).toMatch(message);
    expect(result.reason).toContain(`${field}:`);
  });

  it('has at least 20 malformed examples', () => {
    expect(malformed.length).toBeGreaterThanOrEqual(20);
  });
});

describe('encodeIntent', () => {
  it('round-trips through parseIntentJson', () => {
    const [field, json] = encodeIntent(README_INTENT);
    expect(field).toBe('intent');
    expect(parseIntentJson(json)).toEqual({ ok: true, intent: README_INTENT });
  });

  it('throws a ValidationError naming each bad field', () => {
    expect(() => encodeIntent({ ...README_INTENT, account: '' })).toThrow(
      /invalid intent: account: must be 1 to 64/,
    );
  });
});

describe('the upgrade rule: what a newer producer may add', () => {
  it('meta is kept and ignored; any other new field, a new action or a new version is refused with the upgrade hint', () => {
    const withMeta = decodeIntentEntry(
      entry(validIntent({ meta: { traceId: 'abc', draftedBy: 'agent-2' } })),
    );
    expect(withMeta.ok).toBe(true);
    for (const [what, intent, field] of [
      ['a new envelope field', validIntent({ priority: 'high' }), '(root)'],
      [
        'a new payload field',
        validIntent({ payload: { text: 'hello', poll: { options: ['a', 'b'] } } }),
        'payload',
      ],
      ['a new version', validIntent({ v: 2 }), 'v'],
      ['a new action', validIntent({ action: 'x.quote' }), 'action'],
    ] as const) {
      const result = decodeIntentEntry(entry(intent));
      expect(result.ok, what).toBe(false);
      if (!result.ok) {
        const issue = result.issues.find((i) => i.field === field);
        expect(issue?.message, what).toContain('upgrade this reader first');
      }
    }
  });
});
