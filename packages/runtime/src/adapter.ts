import type { Action, Channel } from '@agent-ops/contracts/channels';
import type { Intent } from '@agent-ops/contracts/intent';
import type { Logger } from './logger.ts';

export type EffectContext = {
  attempt: number;
  /** When the first armed attempt for this key started (Redis clock): reconcile looks from here. */
  startedAt: Date;
  log: Logger;
};

export type EffectResult = { externalId: string; url: string | null };

export type ReconcileResult =
  | { outcome: 'done'; result: EffectResult }
  | { outcome: 'not_done' }
  | { outcome: 'unknown'; reason: string };

/**
 * What a channel brings to the runtime: its client, its error classification and its
 * reconcile. `perform` throws the contracts' errors: NonRetryableError (not done, never
 * will be), RetryAfterError (not done, try later; code `rate_limited` for a 429),
 * OutcomeUnknownError (maybe done). Any other error is treated as unknown.
 */
export interface ChannelAdapter {
  readonly channel: Channel;
  hasAccount(account: string): boolean;
  /**
   * The channel's own policy, checked before begin: e.g. the sender is one the account may
   * use, or the endpoint is configured. A refusal becomes a `rejected` receipt, never a call.
   */
  refuse?(intent: Intent): { code: string; message: string } | null;
  /** The rate-limit group of an action, where the API meters actions apart (e.g. `post`, `delete`). */
  rateLimitGroup(action: Action): string;
  perform(intent: Intent, ctx: EffectContext): Promise<EffectResult>;
  /** After an unknown outcome: did the effect happen? Throws when the API cannot be asked now. */
  reconcile(intent: Intent, ctx: EffectContext): Promise<ReconcileResult>;
  /** Secret values of the adapter's credentials, scrubbed from every error message the runtime writes. */
  secretValues(): readonly string[];
  close?(): Promise<void>;
}
