import { open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { NonRetryableError, RetryAfterError } from '@agent-ops/contracts/errors';
import { kindOfItem, type XMediaItem, type XMediaKind } from '@agent-ops/contracts/x-media';

/** What X is told at initialize, and the bytes. */
export type MediaFile = {
  bytes: Buffer;
  mediaType: string;
  category: 'tweet_image' | 'tweet_gif' | 'tweet_video';
  kind: XMediaKind;
};

/** X's limits per kind (docs.x.com "x-api/media/introduction"): images 5 MB, GIFs 15 MB, videos 512 MB. */
export const MAX_MEDIA_BYTES: Record<XMediaKind, number> = {
  image: 5 * 1024 * 1024,
  gif: 15 * 1024 * 1024,
  video: 512 * 1024 * 1024,
};

const CATEGORY = { image: 'tweet_image', gif: 'tweet_gif', video: 'tweet_video' } as const;

/** The media type of a name by its extension (the contract allows only these). */
function typeByExtension(name: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  const types: Record<string, string> = {
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    png: 'image/png',
    webp: 'image/webp',
    gif: 'image/gif',
    mp4: 'video/mp4',
    mov: 'video/quicktime',
  };
  return types[ext] ?? 'application/octet-stream';
}

export type MediaSourceOptions = {
  /** The folder `path` references resolve in (X_MEDIA_DIR); null: only URLs. */
  mediaDir: string | null;
  /** Per fetch of an https URL. */
  fetchTimeoutMs: number;
};

/**
 * Reads one item's bytes: from the media folder (never outside it, symlinks included) or
 * from an https URL, refusing more bytes than X takes for the kind and a content type that
 * is not the kind the name promised. A missing file or a refusal is not retryable; a URL that
 * cannot be reached now is.
 */
export async function loadMedia(item: XMediaItem, o: MediaSourceOptions): Promise<MediaFile> {
  const kind = kindOfItem(item);
  const max = MAX_MEDIA_BYTES[kind];
  const category = CATEGORY[kind];
  if (item.path !== undefined) {
    if (!o.mediaDir) {
      throw new NonRetryableError(
        `media path ${item.path}: no media folder is configured (X_MEDIA_DIR)`,
        'media_unavailable',
      );
    }
    const bytes = await readInside(o.mediaDir, item.path, max);
    return { bytes, mediaType: typeByExtension(item.path), category, kind };
  }
  const url = item.url as string;
  const bytes = await fetchCapped(url, kind, max, o.fetchTimeoutMs);
  return { bytes: bytes.bytes, mediaType: bytes.mediaType, category, kind };
}

async function readInside(dir: string, path: string, max: number): Promise<Buffer> {
  let real: string;
  let root: string;
  try {
    root = await realpath(dir);
    real = await realpath(resolve(root, path));
  } catch {
    throw new NonRetryableError(`media path ${path}: no such file in the media folder`, 'media_unavailable');
  }
  const rel = relative(root, real);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new NonRetryableError(`media path ${path}: leads outside the media folder`, 'media_unavailable');
  }
  const info = await stat(real);
  if (!info.isFile()) throw new NonRetryableError(`media path ${path}: not a file`, 'media_unavailable');
  if (info.size > max) {
    throw new NonRetryableError(
      `media path ${path}: ${info.size} bytes, more than X takes (${max})`,
      'media_too_large',
    );
  }
  const file = await open(real, 'r');
  try {
    return await file.readFile();
  } finally {
    await file.close();
  }
}

async function fetchCapped(
  url: string,
  kind: XMediaKind,
  max: number,
  timeoutMs: number,
): Promise<{ bytes: Buffer; mediaType: string }> {
  let res: Response;
  try {
    // No redirect is followed: one could lead to plain http, or to an address the executor should not reach.
    res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new RetryAfterError(
      `media url ${url}: could not be fetched (${(err as Error).message})`,
      null,
      'media_fetch_failed',
    );
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    throw new NonRetryableError(
      `media url ${url}: answered a redirect (${res.status}), which is not followed; name the media's own https URL`,
      'media_unavailable',
    );
  }
  if (!res.ok) {
    const message = `media url ${url}: answered ${res.status}`;
    if (res.status >= 500 || res.status === 429)
      throw new RetryAfterError(message, null, 'media_fetch_failed');
    throw new NonRetryableError(message, 'media_unavailable');
  }
  const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const wanted =
    kind === 'video'
      ? /^video\/(mp4|quicktime)$/
      : kind === 'gif'
        ? /^image\/gif$/
        : /^image\/(jpeg|png|webp)$/;
  if (!wanted.test(mediaType)) {
    await res.body?.cancel();
    throw new NonRetryableError(
      `media url ${url}: content type ${mediaType || '(none)'} is not a ${kind} X takes`,
      'media_type_mismatch',
    );
  }
  const declared = Number(res.headers.get('content-length'));
  if (declared > max) {
    await res.body?.cancel();
    throw new NonRetryableError(
      `media url ${url}: ${declared} bytes, more than X takes (${max})`,
      'media_too_large',
    );
  }
  // Counted as it arrives: a server may send more than it declared, or declare nothing.
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.length;
    if (size > max) {
      throw new NonRetryableError(`media url ${url}: more than X takes (${max} bytes)`, 'media_too_large');
    }
    chunks.push(Buffer.from(chunk));
  }
  return { bytes: Buffer.concat(chunks), mediaType };
}
