import { CoordinatorApiError } from '../client.ts';

/** Exit codes scripts can branch on; the README lists them. */
export const EXIT = {
  ok: 0,
  /** The coordinator refused the action (not pending, expired, not replayable...). */
  refused: 1,
  /** Bad command line or invalid input (the message names the field). */
  usage: 2,
  notFound: 3,
  /** The idempotency key is already used for a different intent. */
  conflict: 4,
  /** The coordinator cannot be reached. */
  unreachable: 5,
  /** The token is missing, wrong, or lacks the operator role. */
  unauthorized: 6,
} as const;

export function exitCodeOf(err: unknown): number {
  if (!(err instanceof CoordinatorApiError)) return EXIT.usage;
  if (err.status === 0) return EXIT.unreachable;
  if (err.status === 400) return EXIT.usage;
  if (err.status === 401 || err.status === 403) return EXIT.unauthorized;
  if (err.status === 404) return EXIT.notFound;
  if (err.code === 'idempotency_key_reused') return EXIT.conflict;
  return EXIT.refused;
}
