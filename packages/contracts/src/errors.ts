import type { FieldIssue } from './field-issues.ts';
import { formatFieldIssues } from './field-issues.ts';

/**
 * Errors that carry the decision an executor has to take. Classify with the `is*`
 * functions: they check `name` as well as `instanceof`, so errors that crossed a
 * module boundary (two copies of this package, a worker thread) still classify.
 */
export abstract class OpsError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
}

/** The effect did not happen and trying again cannot help (a 4xx about the request itself). */
export class NonRetryableError extends OpsError {
  override readonly name = 'NonRetryableError';
  readonly retryable = false;
  readonly code: string;
  constructor(message: string, code = 'non_retryable', options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** The effect did not happen; it may be tried again after `retryAfterMs` (429, breaker open, 5xx before processing). */
export class RetryAfterError extends OpsError {
  override readonly name = 'RetryAfterError';
  readonly retryable = true;
  readonly code: string;
  /** When the API said (Retry-After, x-rate-limit-reset); null lets the runtime's backoff choose. */
  readonly retryAfterMs: number | null;
  constructor(message: string, retryAfterMs: number | null, code = 'retry_later', options?: ErrorOptions) {
    super(message, options);
    this.retryAfterMs = retryAfterMs;
    this.code = code;
  }
}

/**
 * The request may have had its effect: a timeout, a connection dropped after sending,
 * a 5xx to a non-idempotent call. Never retried blindly; the channel's reconcile decides.
 */
export class OutcomeUnknownError extends OpsError {
  override readonly name = 'OutcomeUnknownError';
  readonly retryable = false;
  readonly code: string;
  constructor(message: string, code = 'outcome_unknown', options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The API refused the account's login (X's 401, Google's `invalid_grant`, SMTP 535): the
 * request had no effect, and none will until a person signs in again (`ops login`). The
 * runtime marks the account `needs_reauth` and holds its intents; it never fails them.
 */
export class NeedsReauthError extends OpsError {
  override readonly name = 'NeedsReauthError';
  readonly retryable = true;
  readonly code: string;
  constructor(message: string, code = 'needs_reauth', options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** A record failed its schema; `issues` name each field and what was expected. */
export class ValidationError extends OpsError {
  override readonly name = 'ValidationError';
  readonly code = 'invalid';
  readonly retryable = false;
  readonly issues: readonly FieldIssue[];
  constructor(issues: readonly FieldIssue[], what = 'record') {
    super(`invalid ${what}: ${formatFieldIssues(issues)}`);
    this.issues = issues;
  }
}

/** Configuration or secrets failed validation; the message names the setting, never its value. */
export class ConfigError extends OpsError {
  override readonly name = 'ConfigError';
  readonly code = 'config';
  readonly retryable = false;
}

function hasName(err: unknown, name: string): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === name;
}

export function isNonRetryable(err: unknown): err is NonRetryableError {
  return err instanceof NonRetryableError || hasName(err, 'NonRetryableError');
}

export function isRetryAfter(err: unknown): err is RetryAfterError {
  return err instanceof RetryAfterError || hasName(err, 'RetryAfterError');
}

export function isOutcomeUnknown(err: unknown): err is OutcomeUnknownError {
  return err instanceof OutcomeUnknownError || hasName(err, 'OutcomeUnknownError');
}

export function isNeedsReauth(err: unknown): err is NeedsReauthError {
  return err instanceof NeedsReauthError || hasName(err, 'NeedsReauthError');
}

export function isValidationError(err: unknown): err is ValidationError {
  return err instanceof ValidationError || hasName(err, 'ValidationError');
}
