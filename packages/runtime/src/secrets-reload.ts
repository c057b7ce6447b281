import { statSync } from 'node:fs';
import type { z } from 'zod';
import type { Logger } from './logger.ts';
import { loadSecretsFile } from './secrets-file.ts';

function stampOf(path: string): string {
  try {
    const s = statSync(path);
    // `ops login` writes by atomic rename: a new inode, whatever the clock says.
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return '';
  }
}

/**
 * The secrets file as it is now, for credentials that a person renews while the executor runs
 * (`ops login` rewrites the file): re-read and validated when the file changes, looked at no
 * more than once a second. A file that changed into something invalid keeps the last good
 * value, and says so without a value in the log.
 */
export function watchSecretsFile<S extends z.ZodType>(
  path: string,
  schema: S,
  initial: z.output<S>,
  log: Logger,
  /** How often the file's identity is looked at, at most: a stat, never a read unless it changed. */
  everyMs = 1000,
): () => z.output<S> {
  let value = initial;
  let stamp = stampOf(path);
  let checkedAt = Date.now();
  return () => {
    const now = Date.now();
    if (now - checkedAt < everyMs) return value;
    checkedAt = now;
    const current = stampOf(path);
    if (current === stamp) return value;
    stamp = current;
    try {
      value = loadSecretsFile(path, schema);
      log.info('secrets file changed: credentials reloaded');
    } catch (err) {
      log.error(
        { error: (err as Error).message },
        'secrets file changed but is invalid: the last good one stays',
      );
    }
    return value;
  };
}

/** `fn` of the latest value, computed again only when the value is another one. */
export function derived<T, U>(latest: () => T, fn: (value: T) => U): () => U {
  let seen: T | undefined;
  let out: U | undefined;
  return () => {
    const value = latest();
    if (out === undefined || value !== seen) {
      seen = value;
      out = fn(value);
    }
    return out as U;
  };
}
