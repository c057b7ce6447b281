import type { z } from 'zod';

/** One problem with one field of a record, in words a producer can act on. */
export type FieldIssue = { field: string; message: string };

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  }
  return issue.message.replace(/^Invalid input: /, '');
}

export function toFieldIssues(error: z.ZodError, under: readonly PropertyKey[] = []): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: fieldPath([...under, ...issue.path]),
    message: describe(issue),
  }));
}

export function formatFieldIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.field}: ${i.message}`).join('; ');
}
