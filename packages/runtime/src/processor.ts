import { randomUUID } from 'node:crypto';
import { deadletterFields, decodeIntentEntry, fieldsToRecord } from '@agent-ops/contracts/codec';
import { isNeedsReauth, isNonRetryable, isRetryAfter, RetryAfterError } from '@agent-ops/contracts/errors';
import type { Intent } from '@agent-ops/contracts/intent';
import type { Receipt, ReceiptError, ReceiptStatus } from '@agent-ops/contracts/receipt';
import type { AccountHealthBoard } from './account-health.ts';
import type {
  ChannelAdapter,
  DerivedEffect,
  EffectContext,
  EffectResult,
  ReconcileResult,
} from './adapter.ts';
import { backoffDelay } from './backoff.ts';
import type { Breakers } from './breakers.ts';
import type { DeferArgs } from './later.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import type { Ledger, ReleaseReason } from './ledger.ts';
import type { LocalGate } from './local-gate.ts';
import { type Logger, lazyChild } from './logger.ts';
import type { MetricsSink } from './metrics-sink.ts';
import type { ExecutorOptions } from './options.ts';
import { checkPolicy } from './policy.ts';
import type { RateLimits } from './rate-limits.ts';
import { scrubSecrets } from './scrub.ts';

export type StreamMessage = { id: string; fields: string[] };

/** What became of a message: settled (acknowledged), held for the gate, or left pending for later. */
export type Disposition = 'settled' | 'held' | 'left';

export type ProcessorDeps = {
  ledger: Ledger;
  adapter: ChannelAdapter;
  options: ExecutorOptions;
  limits: RateLimits;
  breakers: Breakers;
  /** "Come back later": the runtime's `Later` (BullMQ), or anything that re-appends the fields after the delay. */
  later: { defer(a: DeferArgs): Promise<void> };
  localGate: LocalGate;
  approvalKeys: ReadonlyMap<string, import('node:crypto').KeyObject>;
  metrics: MetricsSink;
  /** Which accounts need a person's login (their intents are held), and where that is recorded. */
  health: AccountHealthBoard;
  log: Logger;
};

type Attempt = {
  msg: StreamMessage;
  intent: Intent;
  token: string;
  /**
   * The key's attempt count, this one included (Redis' `attempts` hash, from begin): the one
   * counter that paces backoff, decides when to give up and is shown on the receipt. An
   * attempt released as `not_sent` is taken back, so only requests that left count.
   */
  attempt: number;
  startedAt: Date;
  /**
   * When the key was first tried (ms), carried on the entries that come back later: a
   * disarmed retry begins afresh, and the retry window still counts from the first try.
   */
  firstTriedAt: number;
  /** Marks of the earlier attempts still in doubt, from a takeover's begin. */
  previousMarks: readonly string[];
  /** Marks this attempt made (recorded in Redis too), for its own reconcile. */
  marks: string[];
  log: Logger;
};

/** The field of a re-appended entry that carries `firstTriedAt`. */
const FIRST_TRIED_AT = 'firstTriedAt';
/** The field of a re-appended entry held for its account's login: it is in the `held` hash. */
const HELD = 'held';

function toReceiptError(err: unknown, secrets: readonly string[]): ReceiptError {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' && e.code.length > 0 ? e.code : 'error';
  const message = typeof e.message === 'string' ? e.message : String(err);
  return { code, message: scrubSecrets(message, secrets).slice(0, 2000), retryable: isRetryAfter(err) };
}

/**
 * One intent's way through an executor: parse, policy, begin, rate limit, effect through
 * the breaker, commit. Each step that changes state is one atomic script.
 */
export class IntentProcessor {
  private readonly d: ProcessorDeps;

  constructor(deps: ProcessorDeps) {
    this.d = deps;
  }

  async handle(msg: StreamMessage): Promise<Disposition> {
    const { ledger, options, adapter } = this.d;
    const decoded = decodeIntentEntry(msg.fields);
    if (!decoded.ok) {
      const error = { code: 'invalid', message: decoded.reason, retryable: false };
      await ledger.deadletter(msg.id, this.deadletterFields(msg, decoded.reason, error));
      this.d.log.warn({ intentId: msg.id, reason: decoded.reason }, 'invalid entry deadlettered');
      return 'settled';
    }
    const intent = decoded.intent;
    const log = lazyChild(this.d.log, { idempotencyKey: intent.idempotencyKey, intentId: msg.id });
    // A re-appended entry says when the key was first tried; a first entry became due when it
    // was appended (its id's time, set by Redis).
    const firstTried = Number(fieldsToRecord(msg.fields)[FIRST_TRIED_AT]) || undefined;
    const held = fieldsToRecord(msg.fields)[HELD] === '1';
    const verdict = checkPolicy(intent, {
      channel: adapter.channel,
      hasAccount: (a) => adapter.hasAccount(a),
      refuse: adapter.refuse ? (i) => adapter.refuse?.(i) ?? null : undefined,
      accounts: options.accounts,
      approvalKeys: this.d.approvalKeys,
      now: new Date(),
      dueAt: firstTried ?? (Number(msg.id.split('-')[0]) || undefined),
      approvalGraceMs: options.retryForMs,
    });

    if (verdict.kind === 'wait') {
      await this.d.later.defer({
        key: intent.idempotencyKey,
        fromId: msg.id,
        fields: msg.fields,
        delayMs: verdict.untilMs - Date.now(),
      });
      await ledger.ack([msg.id]);
      log.info({ notBefore: intent.notBefore }, 'scheduled for notBefore');
      return 'settled';
    }
    if (verdict.kind === 'proceed' && !this.d.localGate.isOpen()) return 'held';
    if (await this.heldForLogin(msg, intent, verdict.kind === 'proceed', firstTried)) {
      log.debug({ account: intent.account }, 'held: the account needs a login');
      return 'settled';
    }

    const token = randomUUID();
    const begin = await ledger.begin({
      key: intent.idempotencyKey,
      token,
      leaseTtlMs: options.leaseTtlMs,
      owner: options.consumer,
      intentId: msg.id,
      mode: verdict.kind === 'reject' ? 'verdict' : 'effect',
    });
    switch (begin.code) {
      case 'gate_closed':
        return 'held';
      case 'done':
        await ledger.ack([msg.id]);
        log.debug({ done: begin.done }, 'already terminal: acknowledged without effect');
        return 'settled';
      case 'busy':
        // A rejection waits while an attempt is armed; with no live lease, nobody else will
        // settle that attempt, so this entry takes it over and settles it (see settleInDoubt).
        if (verdict.kind === 'reject') return this.settleInDoubt(msg, intent, verdict.error, firstTried, log);
        return 'left';
      case 'verdict': {
        if (verdict.kind !== 'reject') throw new Error('begin granted a verdict lease for an effect');
        const a = {
          msg,
          intent,
          token,
          attempt: 0,
          startedAt: new Date(),
          firstTriedAt: Date.now(),
          previousMarks: [],
          marks: [],
          log,
        };
        const settled = await this.commit(a, 'rejected', null, verdict.error);
        log.info({ error: verdict.error }, 'rejected by policy');
        return settled;
      }
      default:
        break;
    }

    const a: Attempt = {
      msg,
      intent,
      token,
      attempt: begin.attempt,
      startedAt: new Date(begin.startedAt),
      // A held copy's first try was moved on by each wait for a login, so it is trusted over
      // the armed attempt's start (kept for reconcile), which would count the held time again.
      firstTriedAt:
        held && firstTried !== undefined
          ? firstTried
          : Math.min(firstTried ?? begin.startedAt, begin.startedAt),
      previousMarks: begin.code === 'takeover' ? (begin.previous.marks ?? []) : [],
      marks: [],
      log,
    };
    if (begin.code === 'takeover') {
      log.warn({ previous: begin.previous }, 'took over an armed attempt: reconciling before any call');
      // The lease is kept while reconcile reads the API, as during a call.
      const keeper = this.keepLease(a);
      try {
        const settled = await this.reconcileAndSettle(a, null);
        if (settled) return settled;
      } finally {
        keeper.stop();
      }
    }
    return this.effect(a);
  }

  /**
   * A rejected intent (expired, approval expired, account gone) whose key has an attempt in
   * doubt: taken over as an effect would be, reconciled, and settled without any call. The
   * effect happened: `succeeded`; it did not: `rejected` with the verdict's error; nobody can
   * tell, or some steps happened: `unknown` (the steps get their receipts in commit). A live
   * lease of another owner leaves the entry to that owner, as before.
   */
  private async settleInDoubt(
    msg: StreamMessage,
    intent: Intent,
    rejection: ReceiptError,
    firstTried: number | undefined,
    log: Logger,
  ): Promise<Disposition> {
    const token = randomUUID();
    const begin = await this.d.ledger.begin({
      key: intent.idempotencyKey,
      token,
      leaseTtlMs: this.d.options.leaseTtlMs,
      owner: this.d.options.consumer,
      intentId: msg.id,
      mode: 'effect',
    });
    if (begin.code === 'gate_closed') return 'held';
    if (begin.code === 'busy') return 'left';
    if (begin.code === 'done') {
      await this.d.ledger.ack([msg.id]);
      return 'settled';
    }
    if (begin.code === 'verdict') throw new Error('begin granted a verdict lease for an effect');
    const a: Attempt = {
      msg,
      intent,
      token,
      attempt: begin.attempt,
      startedAt: new Date(begin.startedAt),
      firstTriedAt: firstTried ?? begin.startedAt,
      previousMarks: begin.code === 'takeover' ? (begin.previous.marks ?? []) : [],
      marks: [],
      log,
    };
    // Disarmed meanwhile (begun afresh): nothing is in doubt, the rejection stands.
    if (begin.code === 'begun') return this.commit(a, 'rejected', null, rejection);
    log.warn({ previous: begin.previous, rejection }, 'rejected with an attempt in doubt: reconciling first');
    const keeper = this.keepLease(a);
    let result: ReconcileResult;
    try {
      result = await this.d.adapter.reconcile(intent, this.ctx(a, null));
    } catch (err) {
      // The verdict is final, so there is no later to ask in: a person decides.
      const error = toReceiptError(err, this.d.adapter.secretValues());
      return this.commit(a, 'unknown', null, {
        code: 'reconcile_failed',
        message: `${rejection.message} (reconcile could not ask: ${error.message})`.slice(0, 2000),
        retryable: false,
      });
    } finally {
      keeper.stop();
    }
    if (result.outcome === 'done') return this.commit(a, 'succeeded', result.result, null);
    if (result.outcome === 'unknown') {
      return this.commit(a, 'unknown', null, {
        code: rejection.code,
        message: `${result.reason} (after: ${rejection.message})`.slice(0, 2000),
        retryable: false,
      });
    }
    return this.commit(a, 'rejected', null, rejection);
  }

  private async effect(a: Attempt): Promise<Disposition> {
    const { limits, adapter, breakers } = this.d;
    const group = adapter.rateLimitGroup(a.intent.action);
    const cost = adapter.rateLimitCost?.(a.intent, a.previousMarks) ?? 1;
    const take = await limits.take(a.intent.account, group, cost).catch((err: unknown) => {
      a.log.error({ err }, 'rate limiter unavailable: no call without it');
      return { ok: false as const, msBeforeNext: 1000 };
    });
    if (!take.ok) {
      this.d.metrics.limited(a.intent.account);
      await this.release(a, 'not_sent', take.msBeforeNext);
      return 'settled';
    }

    const keeper = this.keepLease(a);
    try {
      if (!keeper.held()) {
        a.log.warn('lease lost before the call: leaving the entry for its next owner');
        return 'left';
      }
      const result = await breakers.fire(a.intent.account, () => adapter.perform(a.intent, this.ctx(a)));
      // The call proved the login works: an account recorded as refused is fine again.
      if (this.d.health.needsReauth(a.intent.account))
        await this.d.health.record(a.intent.account, 'ok', null).catch((err: unknown) => {
          a.log.warn({ err }, 'could not record the account as ok');
        });
      return await this.commit(a, 'succeeded', result, null);
    } catch (err) {
      return await this.onEffectError(a, err);
    } finally {
      keeper.stop();
    }
  }

  private keepLease(a: Attempt): LeaseKeeper {
    return new LeaseKeeper(this.d.ledger, {
      key: a.intent.idempotencyKey,
      token: a.token,
      ttlMs: this.d.options.leaseTtlMs,
      consumer: this.d.options.consumer,
      intentId: a.msg.id,
    }).start();
  }

  private async onEffectError(a: Attempt, err: unknown): Promise<Disposition> {
    const { adapter, limits, options } = this.d;
    const error = toReceiptError(err, adapter.secretValues());
    if (isNeedsReauth(err)) return this.onLoginRefused(a, error, 'not_sent');
    if (isNonRetryable(err)) {
      a.log.warn({ error }, 'failed: not retryable');
      return this.commit(a, 'failed', null, error, true);
    }
    if (isRetryAfter(err)) {
      const delayMs = err.retryAfterMs ?? backoffDelay(a.attempt - 1, options.backoff);
      // The account, not the intent, is what must wait: every replica holds its calls until then.
      if (err.code === 'rate_limited' || err.code === 'payment_required') {
        await limits.blockUntil(
          a.intent.account,
          adapter.rateLimitGroup(a.intent.action),
          Date.now() + delayMs,
        );
      }
      // An open breaker refused the call here: no request left, so the attempt is not spent.
      return this.retryOrFail(a, error, delayMs, err.code === 'breaker_open' ? 'not_sent' : 'not_done');
    }
    a.log.warn({ error }, 'outcome unknown: reconciling');
    const settled = await this.reconcileAndSettle(a, error);
    return settled ?? this.retryOrFail(a, error, backoffDelay(a.attempt - 1, options.backoff), 'not_done');
  }

  /**
   * Whether an intent of `account` waits for a login instead of calling: when the account is
   * recorded as refused and the adapter can check it (the check is what ends the wait). An
   * adapter without `checkAccount` lets each intent call, and its refusal holds it again.
   */
  private holdsForLogin(account: string): boolean {
    return this.d.health.needsReauth(account) && this.d.adapter.checkAccount !== undefined;
  }

  /**
   * The API refused the account's login: the request had no effect, so the attempt is taken
   * back (`not_sent`: neither the attempt cap nor the retry window is spent on it), the
   * account is recorded as `needs_reauth` (breaker-neutral: the API answered), and the intent
   * is held until a person logs in again. Never failed, never deadlettered. Refused while
   * reconcile asked about an earlier attempt (`in_doubt`), the attempt stays armed, so the
   * question is asked again, before any call, once the login works.
   */
  private async onLoginRefused(
    a: Attempt,
    error: ReceiptError,
    reason: 'not_sent' | 'in_doubt',
  ): Promise<Disposition> {
    const { health, options } = this.d;
    await health.record(a.intent.account, 'needs_reauth', error.message);
    await health.hold(a.intent.idempotencyKey, a.intent.account);
    const delayMs = this.holdDelay(a.intent);
    this.d.metrics.retry(reason);
    await this.d.later.defer({
      key: a.intent.idempotencyKey,
      fromId: a.msg.id,
      fields: this.heldFields(a.msg, a.firstTriedAt, delayMs),
      delayMs,
    });
    await this.d.ledger.release({
      key: a.intent.idempotencyKey,
      token: a.token,
      reason: this.keptReason(a, reason),
      ackIds: [a.msg.id],
    });
    a.log.warn({ error, delayMs, recheckMs: options.reauthCheckMs }, 'held: the account needs a login');
    return 'settled';
  }

  /**
   * Holds an entry of an account that needs a login, before begin (it comes back to look
   * again), and says so; otherwise an entry back from a hold (going on, or rejected meanwhile,
   * e.g. expired) is no longer noted as waiting for a login.
   */
  private async heldForLogin(
    msg: StreamMessage,
    intent: Intent,
    proceeds: boolean,
    firstTried: number | undefined,
  ): Promise<boolean> {
    // A key settled meanwhile (a person cancelled it) is not held again: begin acknowledges it.
    if (
      !proceeds ||
      !this.holdsForLogin(intent.account) ||
      (await this.d.ledger.isDone(intent.idempotencyKey))
    ) {
      if (fieldsToRecord(msg.fields)[HELD] === '1') await this.d.health.unhold(intent.idempotencyKey);
      return false;
    }
    await this.d.health.hold(intent.idempotencyKey, intent.account);
    const delayMs = this.holdDelay(intent);
    await this.d.later.defer({
      key: intent.idempotencyKey,
      fromId: msg.id,
      fields: this.heldFields(msg, firstTried, delayMs),
      delayMs,
    });
    await this.d.ledger.ack([msg.id]);
    return true;
  }

  /**
   * How long a held entry waits before it looks again: the re-check interval of an account
   * that needs a login, so it goes on soon after the login is fixed; never past the intent's
   * expiry, which policy then honours with a `rejected` receipt.
   */
  private holdDelay(intent: Intent): number {
    const wait = this.d.options.reauthCheckMs;
    if (!intent.expiresAt) return wait;
    return Math.max(0, Math.min(wait, Date.parse(intent.expiresAt) - Date.now() + 1));
  }

  /**
   * The fields of a held entry's copy. `firstTriedAt` moves on by the wait, so time spent held
   * does not count against `retryForMs`: only an account's login, not the API, was in the way.
   */
  private heldFields(msg: StreamMessage, firstTried: number | undefined, delayMs: number): string[] {
    const fields = ['intent', fieldsToRecord(msg.fields).intent ?? '', HELD, '1'];
    if (firstTried !== undefined) fields.push(FIRST_TRIED_AT, String(firstTried + delayMs));
    return fields;
  }

  /**
   * Asks the channel whether an in-doubt effect happened. Settles the key when it did, or
   * when nobody can tell (parked `unknown`); returns null when it did not, so the caller
   * may call again. If the API cannot be asked now, the attempt stays armed and comes back later.
   */
  private async reconcileAndSettle(a: Attempt, cause: ReceiptError | null): Promise<Disposition | null> {
    let result: ReconcileResult;
    try {
      // Not through the breaker: a read that works during a write outage would close it.
      result = await this.d.adapter.reconcile(a.intent, this.ctx(a, cause));
    } catch (err) {
      const error = toReceiptError(err, this.d.adapter.secretValues());
      // The login was refused while asking: the question waits for the login, still armed.
      if (isNeedsReauth(err)) return this.onLoginRefused(a, error, 'in_doubt');
      a.log.warn({ error }, 'reconcile could not ask the API: trying again later, still armed');
      const delayMs = backoffDelay(a.attempt - 1, this.d.options.backoff);
      if (this.giveUp(a, delayMs, true)) {
        return this.commit(a, 'unknown', null, {
          code: 'reconcile_failed',
          message: error.message,
          retryable: false,
        });
      }
      await this.release(a, 'in_doubt', delayMs);
      return 'settled';
    }
    if (result.outcome === 'done') {
      a.log.info({ externalId: result.result.externalId }, 'reconciled: the effect had happened');
      return this.commit(a, 'succeeded', result.result, null);
    }
    if (result.outcome === 'unknown') {
      const error = {
        code: cause?.code ?? 'outcome_unknown',
        message: `${result.reason}${cause ? ` (after: ${cause.message})` : ''}`,
        retryable: false,
      };
      a.log.warn({ error }, 'parked as unknown for a person');
      return this.commit(a, 'unknown', null, error);
    }
    a.log.info('reconciled: the effect had not happened');
    return null;
  }

  /**
   * Why the key should not be tried again after `delayMs`, or null to go on: the attempt cap
   * (if one is set; only attempts that sent a request count), the intent's own expiry, or
   * `retryForMs` since the first attempt. Without a cap an outage is waited out, not failed.
   */
  private giveUp(a: Attempt, delayMs: number, counted: boolean): string | null {
    const { maxRetries, retryForMs } = this.d.options;
    if (counted && maxRetries !== null && a.attempt > maxRetries) return `gave up after ${a.attempt} tries`;
    const nextAt = Date.now() + delayMs;
    const expiresAt = a.intent.expiresAt ? Date.parse(a.intent.expiresAt) : Number.POSITIVE_INFINITY;
    if (nextAt >= expiresAt) {
      return `gave up after ${a.attempt} tries: the intent expires at ${a.intent.expiresAt}, before the next one`;
    }
    if (nextAt - a.firstTriedAt > retryForMs) {
      const minutes = Math.round((Date.now() - a.firstTriedAt) / 60_000);
      return `gave up after ${a.attempt} tries over ${minutes} min (retryForMs ${retryForMs})`;
    }
    return null;
  }

  private async retryOrFail(
    a: Attempt,
    error: ReceiptError,
    delayMs: number,
    reason: 'not_sent' | 'not_done',
  ): Promise<Disposition> {
    // An attempt that sent nothing is taken back, so it cannot exhaust a cap on attempts.
    const why = this.giveUp(a, delayMs, reason === 'not_done');
    if (why) {
      const exhausted = { ...error, message: `${why}: ${error.message}` };
      a.log.warn({ error: exhausted }, 'failed: retries exhausted');
      return this.commit(a, 'failed', null, exhausted, true);
    }
    await this.release(a, reason, delayMs);
    a.log.info({ delayMs, error, reason }, 'not done: retrying later');
    return 'settled';
  }

  /**
   * Progress an adapter recorded (a thread's posted parts, its finished uploads) is never
   * dropped by a disarm: such an attempt stays armed, whatever the reason given. One that
   * sent nothing (`not_sent_keep`) still takes its attempt back, so holds, the own limiter
   * and an open breaker delay it without spending the attempt cap.
   */
  private keptReason(a: Attempt, given: ReleaseReason): ReleaseReason {
    const progress = this.d.adapter.marksAreProgress && a.previousMarks.length + a.marks.length > 0;
    if (!progress) return given;
    return given === 'not_sent' || given === 'not_sent_keep' ? 'not_sent_keep' : 'in_doubt';
  }

  /**
   * The one way out without an outcome: the entry comes back after `delayMs` (its copy is
   * scheduled before the original is acknowledged), and the lease is given up for `reason`.
   */
  private async release(a: Attempt, given: ReleaseReason, delayMs: number): Promise<void> {
    const reason = this.keptReason(a, given);
    const fields = [
      'intent',
      fieldsToRecord(a.msg.fields).intent ?? '',
      FIRST_TRIED_AT,
      String(a.firstTriedAt),
    ];
    this.d.metrics.retry(reason);
    await this.d.later.defer({ key: a.intent.idempotencyKey, fromId: a.msg.id, fields, delayMs });
    await this.d.ledger.release({ key: a.intent.idempotencyKey, token: a.token, reason, ackIds: [a.msg.id] });
  }

  /**
   * Writes the key's receipt, fenced by the lease: when the lease has passed to another
   * owner meanwhile (this process stalled past it), nothing is written and the entry is left
   * to that owner, whose reconcile asks the API what happened.
   */
  private async commit(
    a: Attempt,
    given: ReceiptStatus,
    result: EffectResult | null,
    error: ReceiptError | null,
    deadletter = false,
  ): Promise<Disposition> {
    // Steps of the effect that happened (a thread's first parts) get their receipts whatever
    // the outcome; with any, the intent did not simply fail, and a replay must not take it
    // for untouched.
    const steps =
      result?.derived ?? this.d.adapter.derivedEffects?.(a.intent, [...a.previousMarks, ...a.marks]) ?? [];
    const status = (given === 'failed' || given === 'rejected') && steps.length > 0 ? 'unknown' : given;
    if (status !== given && error) {
      const ids = steps.map((d) => d.externalId).join(', ');
      const message = `${error.message} (after ${steps.length} of its steps happened: ${ids})`;
      error = { ...error, message: message.slice(0, 2000) };
    }
    const derived = steps.map((d) => this.derivedReceipt(a, d));
    const receipt: Receipt = {
      v: 1,
      idempotencyKey: a.intent.idempotencyKey,
      action: a.intent.action,
      account: a.intent.account,
      status,
      externalId: result?.externalId ?? null,
      url: result?.url ?? null,
      attempts: a.attempt,
      executor: this.d.options.consumer,
      intentId: a.msg.id,
      startedAt: a.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      error,
    };
    const committed = await this.d.ledger.commit({
      key: a.intent.idempotencyKey,
      token: a.token,
      receiptJson: JSON.stringify(receipt),
      status,
      // A failure turned unknown is parked for a person as every unknown is, not deadlettered as failed.
      deadletter:
        deadletter && status === given && error ? this.deadletterFields(a.msg, error.message, error) : null,
      ackIds: [a.msg.id],
      derived,
    });
    if (committed.code === 'committed') {
      this.d.metrics.receipt(status, a.msg.id);
      return 'settled';
    }
    if (committed.code === 'stale') {
      // The owner that took the lease over reconciles from the first armed attempt's start,
      // so it finds this attempt's effect, if there was one, and settles the key with it.
      a.log.warn(
        { owner: committed.lease?.owner ?? null, status, externalId: result?.externalId ?? null },
        'lease lost during the attempt: its outcome is left to the owner of the key',
      );
      return 'left';
    }
    a.log.info({ done: committed.done, status }, 'an earlier receipt stands');
    if (status === 'succeeded' && result) await this.noteIfSecondEffect(a, result, committed.done.receiptId);
    return 'settled';
  }

  /** The succeeded receipt of one step of the effect, under its derived key. */
  private derivedReceipt(a: Attempt, d: DerivedEffect) {
    const receipt: Receipt = {
      v: 1,
      idempotencyKey: d.key,
      action: d.action,
      account: a.intent.account,
      status: 'succeeded',
      externalId: d.externalId,
      url: d.url,
      attempts: a.attempt,
      executor: this.d.options.consumer,
      intentId: a.msg.id,
      startedAt: a.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      error: null,
    };
    return { key: d.key, status: 'succeeded', receiptJson: JSON.stringify(receipt) };
  }

  /**
   * This attempt's effect happened, but the key was settled meanwhile by another owner or
   * a person. When the standing receipt names another effect, there are two: a person must
   * know, so it goes where they look (the deadletter stream), not only to the log.
   */
  private async noteIfSecondEffect(a: Attempt, result: EffectResult, receiptId: string): Promise<void> {
    const standing = await this.d.ledger.receiptAt(receiptId);
    if (standing?.externalId === result.externalId) return;
    const error = {
      code: 'second_effect',
      message: `this attempt's effect happened (${result.externalId}) after the key was settled with ${standing?.externalId ?? 'no effect'} (receipt ${receiptId})`,
      retryable: false,
    };
    a.log.error({ error }, 'a second effect for a settled key');
    await this.d.ledger.note(this.deadletterFields(a.msg, error.message, error));
  }

  private deadletterFields(msg: StreamMessage, reason: string, error: ReceiptError): string[] {
    return deadletterFields(msg.fields, {
      reason,
      error,
      receivedAt: new Date().toISOString(),
      intentId: msg.id,
      consumer: this.d.options.consumer,
    });
  }

  private ctx(a: Attempt, cause: ReceiptError | null = null): EffectContext {
    return {
      cause: cause ? { code: cause.code, message: cause.message } : null,
      attempt: a.attempt,
      startedAt: a.startedAt,
      // After this attempt's own unknown outcome, its own marks count as much as earlier ones.
      previousMarks: [...a.previousMarks, ...a.marks],
      mark: async (name) => {
        a.marks.push(name);
        if (!(await this.d.ledger.mark(a.intent.idempotencyKey, a.token, name)))
          throw new RetryAfterError(
            `the lease on ${a.intent.idempotencyKey} passed to another owner before ${name}`,
            0,
            'lease_lost',
          );
      },
      log: a.log,
    };
  }
}
