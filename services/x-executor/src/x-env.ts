import { statSync } from 'node:fs';
import { fromEnv } from '@agent-ops/contracts/env';
import { z } from 'zod';

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The x-executor's own variable for media, read as every service reads its variables (an
 * empty one is not set; a bad one stops the start with exit 78, naming it): a folder that
 * does not exist is a mistake to hear of at start, not at the first post with an image.
 */
const XEnvSchema = z.object({
  X_MEDIA_DIR: z
    .string()
    .refine((p) => p.startsWith('/'), { error: 'must be an absolute path' })
    .refine(isDirectory, { error: 'must be a folder that exists' })
    .optional(),
});

export function xMediaDirFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | null {
  return fromEnv(XEnvSchema, env).X_MEDIA_DIR ?? null;
}
