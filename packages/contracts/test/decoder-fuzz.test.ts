import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeIntentEntry, parseIntentJson } from '../src/codec.ts';
import { IDEMPOTENCY_KEY_PATTERN } from '../src/intent.ts';

const keyChars = fc.constantFrom(...'abcXYZ019._:-'.split(''));
const key = fc.string({ unit: keyChars, minLength: 1, maxLength: 200 });
const account = fc.string({ unit: fc.constantFrom(...'abz09._-'.split('')), minLength: 1, maxLength: 64 });

/** Intents the contract accepts, across actions. */
const validIntent = fc.oneof(
  fc.record({ idempotencyKey: key, account, text: fc.string({ minLength: 1, maxLength: 280 }) }).map((r) => ({
    v: 1,
    idempotencyKey: r.idempotencyKey,
    action: 'x.post',
    account: r.account,
    payload: { text: r.text },
  })),
  fc
    .record({
      idempotencyKey: key,
      account,
      endpoint: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/),
      body: fc.jsonValue(),
    })
    .map((r) => ({
      v: 1,
      idempotencyKey: r.idempotencyKey,
      action: 'webhook.call',
      account: r.account,
      payload: { endpoint: r.endpoint, body: r.body },
    })),
);

describe('the intent decoder under fuzzing', () => {
  it('never throws, and every refusal names at least one field with a message', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (raw) => {
          const result = parseIntentJson(raw);
          if (result.ok) {
            expect(result.intent.v).toBe(1);
            expect(result.intent.idempotencyKey).toMatch(IDEMPOTENCY_KEY_PATTERN);
          } else {
            expect(result.issues.length).toBeGreaterThan(0);
            for (const issue of result.issues) {
              expect(issue.field.length).toBeGreaterThan(0);
              expect(issue.message.length).toBeGreaterThan(0);
            }
            expect(result.reason).toMatch(/^invalid intent: /);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('accepts every valid intent, and a mutated field is refused by name', () => {
    fc.assert(
      fc.property(
        validIntent,
        fc.constantFrom('idempotencyKey', 'account', 'action', 'v'),
        (intent, field) => {
          expect(decodeIntentEntry(['intent', JSON.stringify(intent)]).ok).toBe(true);
          const broken = { ...intent, [field]: field === 'v' ? 2 : 'has space/and slash' };
          const result = decodeIntentEntry(['intent', JSON.stringify(broken)]);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.issues.map((i) => i.field)).toContain(field);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses random stream field lists without throwing', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 8 }), (fields) => {
        const result = decodeIntentEntry(fields);
        if (!result.ok) expect(result.issues[0]?.field).toBeTruthy();
      }),
      { numRuns: 1000 },
    );
  });
});
