import type { FieldIssue } from '@agent-ops/contracts/field-issues';
import type { Intent } from '@agent-ops/contracts/intent';
import twitter from 'twitter-text';
import type { CoordinatorConfig } from './config.ts';

/**
 * X's own count, checked at intake so the agent learns at submission, not when the post
 * fails at its scheduled time: twitter-text's weighted length (X's counting rules, config
 * v3: most characters count 1, CJK and emoji 2, every URL 23 whatever its length), against
 * 280 for a standard account, or the account's own limit (a long-post account).
 * https://docs.x.com/resources/fundamentals/counting-characters
 */
export function xLengthIssue(intent: Intent, limits: CoordinatorConfig['xLength']): FieldIssue | null {
  const max = limits.accounts[intent.account] ?? limits.default;
  const texts: Array<{ field: string; text: string }> =
    intent.action === 'x.post' || intent.action === 'x.reply'
      ? [{ field: 'payload.text', text: intent.payload.text }]
      : intent.action === 'x.thread'
        ? // Every part is a post of its own, counted on its own; the first one too long is named.
          intent.payload.parts.map((p, i) => ({ field: `payload.parts[${i}].text`, text: p.text }))
        : [];
  for (const { field, text } of texts) {
    const { weightedLength } = twitter.parseTweet(text);
    if (weightedLength <= max) continue;
    return {
      field,
      message: `is ${weightedLength} characters as X counts them (URLs count 23, most CJK characters and emoji 2); at most ${max} for account ${intent.account}`,
    };
  }
  return null;
}
