import type { Action, ActionOf, Channel } from '@agent-ops/contracts/channels';
import type { ChannelIntent } from '@agent-ops/contracts/intent';
import type { Logger } from './logger.ts';

export type EffectContext = {
  attempt: number;
  /** When the first armed attempt for this key started (Redis clock): reconcile looks from here. */
  startedAt: Date;
  /**
   * The points of no return (`mark`) that earlier attempts still in doubt reached: empty when
   * none did, so an effect that can only happen past such a point cannot have happened.
   */
  previousMarks: readonly string[];
  /**
   * Records durably, before the effect passes a point of no return, that this attempt reached
   * it. Throws a RetryAfterError (not done) when the attempt is no longer this owner's: the
   * caller must then not pass the point.
   */
  mark(name: string): Promise<void>;
  /**
   * For reconcile: why it is asked. The error of this process's own call that left the
   * outcome in doubt (e.g. X's duplicate-content 403), or null after a takeover, when the
   * previous owner's answer, if any, died with it.
   */
  cause: { code: string; message: string } | null;
  log: Logger;
};

/**
 * A step of an effect that stands as an effect of its own under a key derived from the
 * intent's (a thread's part, `<key>/part/<n>`): it gets a receipt of its own, written in the
 * same fenced commit as the intent's, before it.
 */
export type DerivedEffect = { key: string; action: Action; externalId: string; url: string | null };

export type EffectResult = {
  externalId: string;
  url: string | null;
  derived?: readonly DerivedEffect[];
};

export type ReconcileResult =
  | { outcome: 'done'; result: EffectResult }
  | { outcome: 'not_done' }
  | { outcome: 'unknown'; reason: string };

/**
 * What a channel brings to the runtime: its client, its error classification and its
 * reconcile. `perform` throws the contracts' errors: NonRetryableError (not done, never
 * will be), RetryAfterError (not done, try later; code `rate_limited` for a 429),
 * OutcomeUnknownError (maybe done). Any other error is treated as unknown.
 *
 * An adapter of channel C is handed intents of C only: the runtime calls `refuse`, `perform`
 * and `reconcile` after checkPolicy has proven the action belongs to `channel`. The runtime
 * holds a `ChannelAdapter` (every channel), and a `ChannelAdapter<'x'>` stands in its place
 * because TypeScript compares method parameters bivariantly; that is the one place the
 * narrowing is taken on trust, so these stay methods, not function-typed properties.
 */
export interface ChannelAdapter<C extends Channel = Channel> {
  readonly channel: C;
  hasAccount(account: string): boolean;
  /**
   * The channel's own policy, checked before begin: e.g. the sender is one the account may
   * use, or the endpoint is configured. A refusal becomes a `rejected` receipt, never a call.
   */
  refuse?(intent: ChannelIntent<C>): { code: string; message: string } | null;
  /**
   * The adapter's marks record progress that stays true (a thread's part posted, with its id),
   * not only a point passed (email's final dot): an attempt that made marks is then never
   * disarmed by a retry (`not_done`, `not_sent`), only released in doubt, so that whoever
   * goes on reads them (`previousMarks`) and resumes instead of starting over.
   */
  readonly marksAreProgress?: boolean;
  /**
   * The steps an intent's marks prove happened (a thread's posted parts), for an outcome
   * other than success: each gets its succeeded receipt all the same, and the intent is then
   * no `failed` (something happened) but `unknown`, for a person to decide about the rest.
   */
  derivedEffects?(intent: ChannelIntent<C>, marks: readonly string[]): readonly DerivedEffect[];
  /** The rate-limit group of an action, where the API meters actions apart (e.g. `post`, `delete`). */
  rateLimitGroup(action: ActionOf<C>): string;
  /**
   * Points of the group's budget this attempt spends, when it makes more than one metered call
   * (a thread: its parts not yet posted, by the marks of earlier attempts); 1 when omitted.
   */
  rateLimitCost?(intent: ChannelIntent<C>, previousMarks: readonly string[]): number;
  perform(intent: ChannelIntent<C>, ctx: EffectContext): Promise<EffectResult>;
  /** After an unknown outcome: did the effect happen? Throws when the API cannot be asked now. */
  reconcile(intent: ChannelIntent<C>, ctx: EffectContext): Promise<ReconcileResult>;
  /**
   * The accounts it holds credentials for: what the account checks go through, and what
   * per-account metrics have a series (at 0) for from the start.
   */
  accountNames?(): readonly string[];
  /**
   * A cheap call that proves the account's login works, with no effect (X `GET /2/users/me`,
   * a Google token refresh, SMTP connect and auth without sending). Resolves when it does;
   * throws NeedsReauthError when the API refused the login; any other error when it could
   * not tell (the account's record then stays as it was). The executor runs it at start,
   * every `accountCheckMs`, and every `reauthCheckMs` for an account that needs a login:
   * that check is what lets the account's held intents go on.
   */
  checkAccount?(account: string): Promise<void>;
  /** Secret values of the adapter's credentials, scrubbed from every error message the runtime writes. */
  secretValues(): readonly string[];
  close?(): Promise<void>;
}
