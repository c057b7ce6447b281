import type { Intent } from '@agent-ops/contracts/intent';
import { describe, expect, it } from 'vitest';
import { xLengthIssue } from '../src/x-length.ts';

const limits = { default: 280, accounts: { longform: 25_000 } };
const post = (text: string, account = 'acme', action = 'x.post') =>
  ({ v: 1, idempotencyKey: 'k', action, account, payload: { text } }) as Intent;

describe('X length as X counts it (twitter-text)', () => {
  it('280 plain characters fit, 281 do not, and the message names the field, the count and the limit', () => {
    expect(xLengthIssue(post('a'.repeat(280)), limits)).toBeNull();
    expect(xLengthIssue(post('a'.repeat(281)), limits)).toEqual({
      field: 'payload.text',
      message:
        'is 281 characters as X counts them (URLs count 23, most CJK characters and emoji 2); at most 280 for account acme',
    });
  });

  it('a link counts 23 however long it is; CJK characters and emoji count 2', () => {
    expect(
      xLengthIssue(post(`${'a'.repeat(256)} https://example.com/${'x'.repeat(500)}`), limits),
    ).toBeNull();
    expect(xLengthIssue(post('日'.repeat(140)), limits)).toBeNull();
    expect(xLengthIssue(post('日'.repeat(141)), limits)?.message).toMatch(/^is 282 /);
    expect(xLengthIssue(post('😀'.repeat(141)), limits)?.message).toMatch(/^is 282 /);
  });

  it('a long-post account has its own limit; replies count too; other actions are not X posts', () => {
    expect(xLengthIssue(post('a'.repeat(5000), 'longform'), limits)).toBeNull();
    expect(xLengthIssue(post('a'.repeat(300), 'acme', 'x.reply'), limits)).not.toBeNull();
    expect(
      xLengthIssue({ ...post(''), action: 'x.delete', payload: { postId: '1' } } as Intent, limits),
    ).toBeNull();
  });

  it('each part of a thread counts on its own, and the message names the part', () => {
    const thread = (texts: string[]) =>
      ({
        v: 1,
        idempotencyKey: 'k',
        action: 'x.thread',
        account: 'acme',
        payload: { parts: texts.map((text) => ({ text })) },
      }) as Intent;
    expect(xLengthIssue(thread(['a'.repeat(280), 'b'.repeat(280)]), limits)).toBeNull();
    expect(xLengthIssue(thread(['a'.repeat(280), '日'.repeat(141)]), limits)).toEqual({
      field: 'payload.parts[1].text',
      message:
        'is 282 characters as X counts them (URLs count 23, most CJK characters and emoji 2); at most 280 for account acme',
    });
  });
});
