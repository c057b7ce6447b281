import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveIdempotencyKey, slugify } from '../src/idempotency-key.ts';
import { IDEMPOTENCY_KEY_PATTERN, IntentSchema } from '../src/intent.ts';

const anyInput = fc.record({
  account: fc.string({ maxLength: 100, unit: 'grapheme' }),
  action: fc.string({ maxLength: 40, unit: 'grapheme' }),
  slug: fc.string({ maxLength: 500, unit: 'grapheme' }),
  content: fc.jsonValue(),
});

describe('deriveIdempotencyKey', () => {
  it('is readable and passes the contract for a plain decision', () => {
    const key = deriveIdempotencyKey({
      account: 'antifund',
      action: 'x.post',
      slug: 'Launch announcement, 24 Nov',
      content: { text: 'hello' },
    });
    expect(key).toMatch(/^x\.post:antifund:launch-announcement-24-nov:[0-9a-f]{16}$/);
    const intent = {
      v: 1,
      idempotencyKey: key,
      action: 'x.post',
      account: 'antifund',
      payload: { text: 'hi' },
    };
    expect(IntentSchema.safeParse(intent).success).toBe(true);
  });

  it('always matches the key contract, whatever unicode, length or garbage goes in', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const key = deriveIdempotencyKey(input);
        expect(key).toMatch(IDEMPOTENCY_KEY_PATTERN);
        expect(key.length).toBeLessThanOrEqual(200);
      }),
      { numRuns: 500 },
    );
    for (const slug of [
      '🚀🚀🚀',
      'Ünïcödé façade',
      '日本語のタイトル',
      ' ',
      '',
      'a'.repeat(10_000),
      '::::',
    ]) {
      expect(deriveIdempotencyKey({ account: 'antifund', action: 'x.post', slug, content: null })).toMatch(
        IDEMPOTENCY_KEY_PATTERN,
      );
    }
    expect(slugify('Ünïcödé façade')).toBe('unicode-facade');
  });

  it('is stable: the same decision gives the same key, whatever the order of object keys', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const again = structuredClone(input);
        expect(deriveIdempotencyKey(again)).toBe(deriveIdempotencyKey(input));
      }),
    );
    const a = deriveIdempotencyKey({
      account: 'acme',
      action: 'email.send',
      slug: 'welcome ada',
      content: { to: ['ada@example.com'], subject: 'Welcome', from: 'team@acme.example' },
    });
    const b = deriveIdempotencyKey({
      account: 'acme',
      action: 'email.send',
      slug: 'welcome ada',
      content: { subject: 'Welcome', from: 'team@acme.example', to: ['ada@example.com'] },
    });
    expect(a).toBe(b);
    // Pinned (sha256 of the canonical JSON, checked with sha256sum): a restarted agent on another
    // version of this code must still get this key.
    expect(
      deriveIdempotencyKey({
        account: 'antifund',
        action: 'x.post',
        slug: 'hello',
        content: { text: 'hello' },
      }),
    ).toMatchInlineSnapshot(`"x.post:antifund:hello:77f40a59af869ec9"`);
  });

  it('gives different content, slug, account or action a different key', () => {
    fc.assert(
      fc.property(anyInput, anyInput, (x, y) => {
        fc.pre(
          JSON.stringify([x.account, x.action, x.slug]) !== JSON.stringify([y.account, y.action, y.slug]),
        );
        expect(deriveIdempotencyKey(x)).not.toBe(deriveIdempotencyKey(y));
      }),
    );
    fc.assert(
      fc.property(anyInput, fc.jsonValue(), (x, other) => {
        fc.pre(JSON.stringify(x.content) !== JSON.stringify(other));
        expect(deriveIdempotencyKey({ ...x, content: other })).not.toBe(deriveIdempotencyKey(x));
      }),
    );
    // Slugs that agree on their first 60 characters stay apart: the raw slug is hashed.
    const long = 'a'.repeat(80);
    expect(deriveIdempotencyKey({ account: 'a', action: 'x.post', slug: `${long}1`, content: 1 })).not.toBe(
      deriveIdempotencyKey({ account: 'a', action: 'x.post', slug: `${long}2`, content: 1 }),
    );
  });
});
