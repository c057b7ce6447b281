import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '@agent-ops/contracts/errors';
import { fieldPath } from '@agent-ops/contracts/field-issues';
import type { z } from 'zod';

/**
 * Reads and validates the executor's secrets file. It must not be readable by group or
 * others; errors name the field and what was expected, and never echo a value.
 */
export function loadSecretsFile<S extends z.ZodType>(path: string | undefined, schema: S): z.output<S> {
  if (!path)
    throw new ConfigError('OPS_SECRETS_FILE: not set; point it at the JSON file of account credentials');
  let text: string;
  try {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new ConfigError(
        `OPS_SECRETS_FILE: ${path} has mode ${mode.toString(8)}; it must be readable by its owner only (chmod 600 ${path})`,
      );
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`OPS_SECRETS_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`OPS_SECRETS_FILE: ${path} is not valid JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    // Only paths and the kind of problem: a zod message can quote what it received.
    const issues = parsed.error.issues.map((i) => `${fieldPath(i.path)}: ${describeWithoutValue(i)}`);
    throw new ConfigError(`OPS_SECRETS_FILE: ${path} is invalid: ${issues.join('; ')}`);
  }
  return parsed.data;
}

function describeWithoutValue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.join(', ')}`;
    case 'too_small':
      return 'is too short or missing';
    case 'invalid_union':
      return 'does not match any accepted shape';
    default:
      return 'is invalid';
  }
}
