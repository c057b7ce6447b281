import { NonRetryableError } from '@agent-ops/contracts/errors';
import type { TwitterApi } from 'twitter-api-v2';
import { classifyXError } from './x-errors.ts';
import type { MediaFile } from './x-media-source.ts';

/** A finished upload: what a post attaches, and until when X keeps it. */
export type Uploaded = { mediaId: string; expiresAt: number };

/**
 * One chunk of APPEND: X takes up to 5 MB (media/upload APPEND reference: "It must be <= 5
 * MB"); 1 MiB, as twitter-api-v2's own uploadMedia uses, keeps each request short.
 */
export const CHUNK_BYTES = 1024 * 1024;

type ProcessingInfo = {
  state: 'pending' | 'in_progress' | 'succeeded' | 'failed';
  check_after_secs?: number;
  error?: { message?: string };
};
type MediaData = { id: string; expires_after_secs?: number; processing_info?: ProcessingInfo };

/**
 * X's v2 chunked upload (docs.x.com "x-api/media/quickstart/media-upload-chunked"): initialize,
 * append each chunk, finalize, then alt text (`POST /2/media/metadata`, images and GIFs).
 * Steps by hand rather than twitter-api-v2's uploadMedia, which also waits for processing:
 * the caller records the finished upload (a mark) before any wait, so that a crash after it
 * reuses the upload instead of repeating it. An upload changes nothing anyone sees until a
 * post attaches it, so its errors are classified as those of an idempotent call.
 */
export async function uploadMedia(
  client: TwitterApi,
  file: MediaFile,
  alt: string | undefined,
): Promise<Uploaded> {
  try {
    const init = await client.v2.post<{ data: MediaData }>('media/upload/initialize', {
      media_type: file.mediaType,
      total_bytes: file.bytes.length,
      media_category: file.category,
    });
    const id = init.data.id;
    for (let i = 0, at = 0; at < file.bytes.length; i += 1, at += CHUNK_BYTES) {
      const chunk = file.bytes.subarray(at, Math.min(at + CHUNK_BYTES, file.bytes.length));
      await client.v2.post(
        `media/upload/${id}/append`,
        { segment_index: i, media: Buffer.from(chunk) },
        { forceBodyMode: 'form-data' },
      );
    }
    const done = await client.v2.post<{ data: MediaData }>(`media/upload/${id}/finalize`);
    if (alt !== undefined) {
      await client.v2.post('media/metadata', { id, metadata: { alt_text: { text: alt } } });
    }
    const secs = done.data.expires_after_secs ?? init.data.expires_after_secs ?? 86_400;
    return { mediaId: id, expiresAt: Date.now() + secs * 1000 };
  } catch (err) {
    throw classifyXError(err, true);
  }
}

/**
 * Waits while X processes a video or GIF (`GET /2/media/upload?command=STATUS`), as often as
 * its `check_after_secs` says; a post may attach the media only once it has `succeeded`.
 * An image has no processing_info and returns at once.
 */
export async function waitUntilProcessed(
  client: TwitterApi,
  mediaId: string,
  maxWaitMs: number,
): Promise<void> {
  const until = Date.now() + maxWaitMs;
  for (;;) {
    let info: ProcessingInfo | undefined;
    try {
      const status = await client.v2.get<{ data: MediaData }>('media/upload', {
        command: 'STATUS',
        media_id: mediaId,
      });
      info = status.data.processing_info;
    } catch (err) {
      throw classifyXError(err, true);
    }
    if (!info || info.state === 'succeeded') return;
    if (info.state === 'failed') {
      throw new NonRetryableError(
        `X could not process media ${mediaId}: ${info.error?.message ?? 'processing failed'}`,
        'media_processing_failed',
      );
    }
    const waitMs = Math.min(Math.max(1, info.check_after_secs ?? 1) * 1000, 30_000);
    if (Date.now() + waitMs > until) {
      throw new NonRetryableError(
        `X did not finish processing media ${mediaId} in ${maxWaitMs} ms`,
        'media_processing_slow',
      );
    }
    await new Promise((r) => setTimeout(r, waitMs));
  }
}
