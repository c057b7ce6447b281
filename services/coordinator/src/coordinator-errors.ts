import type { FieldIssue } from '@agent-ops/contracts/field-issues';

/** An error the API answers with its status and a code a script can branch on. */
export class CoordinatorError extends Error {
  override readonly name = 'CoordinatorError';
  readonly status: number;
  readonly code: string;
  readonly issues: readonly FieldIssue[] | undefined;

  constructor(status: number, code: string, message: string, issues?: readonly FieldIssue[]) {
    super(message);
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

export const notFound = (key: string) =>
  new CoordinatorError(
    404,
    'not_found',
    `no intent with idempotencyKey ${key}; check the key, or list intents with ops list`,
  );
