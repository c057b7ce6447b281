import { statSync } from 'node:fs';
import { z } from 'zod';

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * X_MEDIA_DIR, the folder media `path`s resolve in: a folder that does not exist is a mistake
 * to hear of at start (exit 78, naming the variable), not at the first post with an image.
 */
export const mediaDirVariable = z
  .string()
  .refine((p) => p.startsWith('/'), { error: 'must be an absolute path' })
  .refine(isDirectory, { error: 'must be a folder that exists' });
