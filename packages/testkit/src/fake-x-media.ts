import { type Answer, type FakeXUser, problem } from './fake-x-posts.ts';

/**
 * X's v2 chunked media upload, as documented at docs.x.com "x-api/media/quickstart/
 * media-upload-chunked" (INIT, APPEND, FINALIZE, STATUS) and the endpoint references
 * `POST /2/media/upload/initialize`, `POST /2/media/upload/{id}/append`,
 * `POST /2/media/upload/{id}/finalize`, `GET /2/media/upload?command=STATUS`,
 * `POST /2/media/metadata`. Stricter than X where X is vague, never kinder.
 */

export type FakeMediaState = 'uploading' | 'pending' | 'in_progress' | 'succeeded' | 'failed';
export type FakeMedia = {
  id: string;
  mediaKey: string;
  ownerId: string;
  mediaType: string;
  category: string;
  totalBytes: number;
  segments: Map<number, Buffer>;
  state: FakeMediaState;
  /** When processing ends (video and GIF), epoch ms. */
  readyAt: number;
  expiresAt: number;
  alt: string | null;
  /** The bytes as X assembled them at finalize. */
  bytes: Buffer | null;
};

/**
 * Media types and the most bytes each category takes (docs.x.com "x-api/media/introduction",
 * "Size restrictions for uploading via API": images 5 MB, GIFs 15 MB, videos 512 MB).
 */
const CATEGORIES: Record<string, { types: readonly string[]; maxBytes: number; processed: boolean }> = {
  tweet_image: {
    types: ['image/jpeg', 'image/png', 'image/webp'],
    maxBytes: 5 * 1024 * 1024,
    processed: false,
  },
  tweet_gif: { types: ['image/gif'], maxBytes: 15 * 1024 * 1024, processed: true },
  tweet_video: { types: ['video/mp4', 'video/quicktime'], maxBytes: 512 * 1024 * 1024, processed: true },
};
/** APPEND: "The raw binary file content being uploaded. It must be <= 5 MB" (media/upload APPEND reference). */
export const FAKE_X_MAX_CHUNK_BYTES = 5 * 1024 * 1024;
/** APPEND's segment_index: 0 to 999 (the same reference). */
const MAX_SEGMENT = 999;
/**
 * An upload may be attached for expires_after_secs (86400 in X's image answers); "Any attempt
 * to use media_id after this time period in other endpoints will result in an HTTP 4xx Bad
 * Request" (media/upload reference). Nothing documented limits how many posts may attach it,
 * so the fake does not either.
 */
const EXPIRES_AFTER_SECS = 86_400;

const invalid = (detail: string): Answer => ({
  status: 400,
  body: {
    errors: [{ message: detail }],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  },
});

/** The fields of a multipart/form-data body (RFC 7578), each a Buffer. */
export function parseMultipart(raw: Buffer, contentType: string): Map<string, Buffer> | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const b = boundary?.[1] ?? boundary?.[2];
  if (!b) return null;
  const fields = new Map<string, Buffer>();
  const delimiter = Buffer.from(`--${b}`);
  let at = raw.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length;
    if (raw.subarray(start, start + 2).toString() === '--') break;
    const next = raw.indexOf(delimiter, start);
    if (next === -1) return null;
    const part = raw.subarray(start + 2, next - 2); // past CRLF; before the CRLF of the delimiter
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) return null;
    const name = /name="([^"]+)"/.exec(part.subarray(0, headerEnd).toString('utf8'))?.[1];
    if (name) fields.set(name, part.subarray(headerEnd + 4));
    at = next;
  }
  return fields;
}

export class FakeXMedia {
  readonly uploads = new Map<string, FakeMedia>();
  /** How long a video or GIF stays in processing after FINALIZE. */
  processingMs = 300;
  /** Media types whose processing ends in `failed` (e.g. a video X cannot transcode). */
  readonly failProcessing = new Set<string>();
  /** Shifts the fake's clock for expiry: a test makes uploads older than they are. */
  clockOffsetMs = 0;
  private nextId = 1_900_000_000_000_000_000n;

  private now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  route(method: string, url: URL, user: FakeXUser, body: unknown, form: Map<string, Buffer> | null): Answer {
    const path = url.pathname;
    if (method === 'POST' && path === '/2/media/upload/initialize') return this.initialize(user, body);
    const step = /^\/2\/media\/upload\/(\d+)\/(append|finalize)$/.exec(path);
    if (method === 'POST' && step?.[2] === 'append') return this.append(user, step[1] as string, form);
    if (method === 'POST' && step?.[2] === 'finalize') return this.finalize(user, step[1] as string);
    if (method === 'GET' && path === '/2/media/upload') return this.status(user, url.searchParams);
    if (method === 'POST' && path === '/2/media/metadata') return this.metadata(user, body);
    return { status: 404, body: problem(404, 'Not Found', `no route ${method} ${path}`) };
  }

  /** The upload, if it is this user's; X answers another's or an unknown id alike. */
  private own(user: FakeXUser, id: string): FakeMedia | null {
    const m = this.uploads.get(id);
    return m && m.ownerId === user.id ? m : null;
  }

  private initialize(user: FakeXUser, body: unknown): Answer {
    const b = (body ?? {}) as { media_type?: unknown; total_bytes?: unknown; media_category?: unknown };
    const category = typeof b.media_category === 'string' ? CATEGORIES[b.media_category] : undefined;
    if (!category) return invalid('media_category: must be one of tweet_image, tweet_gif, tweet_video');
    if (typeof b.media_type !== 'string' || !category.types.includes(b.media_type)) {
      return invalid(`media_type: must be one of ${category.types.join(', ')} for ${b.media_category}`);
    }
    if (typeof b.total_bytes !== 'number' || !Number.isInteger(b.total_bytes) || b.total_bytes < 1) {
      return invalid('total_bytes: must be a positive integer');
    }
    if (b.total_bytes > category.maxBytes) {
      return invalid(
        `total_bytes: ${b.total_bytes} is more than ${category.maxBytes} for ${b.media_category}`,
      );
    }
    const id = String(this.nextId++);
    const prefix = b.media_category === 'tweet_image' ? 3 : b.media_category === 'tweet_gif' ? 16 : 7;
    const media: FakeMedia = {
      id,
      mediaKey: `${prefix}_${id}`,
      ownerId: user.id,
      mediaType: b.media_type,
      category: b.media_category as string,
      totalBytes: b.total_bytes,
      segments: new Map(),
      state: 'uploading',
      readyAt: 0,
      expiresAt: this.now() + EXPIRES_AFTER_SECS * 1000,
      alt: null,
      bytes: null,
    };
    this.uploads.set(id, media);
    return {
      status: 200,
      body: { data: { id, media_key: media.mediaKey, expires_after_secs: EXPIRES_AFTER_SECS } },
    };
  }

  private append(user: FakeXUser, id: string, form: Map<string, Buffer> | null): Answer {
    const m = this.own(user, id);
    if (!m) return invalid(`media_id: ${id} is not an upload of this user`);
    if (m.state !== 'uploading') return invalid(`media_id: ${id} is finalized already`);
    if (!form) return invalid('the body must be multipart/form-data with segment_index and media');
    const index = Number(form.get('segment_index')?.toString('utf8'));
    if (!Number.isInteger(index) || index < 0 || index > MAX_SEGMENT) {
      return invalid(`segment_index: must be an integer from 0 to ${MAX_SEGMENT}`);
    }
    const chunk = form.get('media');
    if (!chunk || chunk.length === 0) return invalid('media: required');
    if (chunk.length > FAKE_X_MAX_CHUNK_BYTES) {
      return invalid(`media: a chunk is at most ${FAKE_X_MAX_CHUNK_BYTES} bytes`);
    }
    // Sending a segment again replaces it ("File chunks can be retried individually").
    m.segments.set(index, Buffer.from(chunk));
    const sent = [...m.segments.values()].reduce((n, s) => n + s.length, 0);
    if (sent > m.totalBytes) return invalid(`media: more bytes than total_bytes (${m.totalBytes})`);
    return { status: 200, body: { data: { expires_at: Math.floor(m.expiresAt / 1000) } } };
  }

  private processingInfo(m: FakeMedia): Record<string, unknown> | undefined {
    if (!CATEGORIES[m.category]?.processed) return undefined;
    this.advance(m);
    if (m.state === 'succeeded') return { state: 'succeeded', progress_percent: 100 };
    if (m.state === 'failed') {
      return {
        state: 'failed',
        progress_percent: 100,
        error: { code: 1, name: 'InvalidMedia', message: 'Unsupported video format' },
      };
    }
    const left = Math.max(0, m.readyAt - this.now());
    return {
      state: m.state,
      check_after_secs: Math.max(1, Math.ceil(left / 1000)),
      progress_percent: m.state === 'pending' ? 0 : 50,
    };
  }

  /** Processing goes pending, then in progress, then succeeded (or failed) as time passes. */
  private advance(m: FakeMedia): void {
    if (m.state !== 'pending' && m.state !== 'in_progress') return;
    const now = this.now();
    if (now >= m.readyAt) m.state = this.failProcessing.has(m.mediaType) ? 'failed' : 'succeeded';
    else if (now >= m.readyAt - this.processingMs / 2) m.state = 'in_progress';
  }

  private finalize(user: FakeXUser, id: string): Answer {
    const m = this.own(user, id);
    if (!m) return invalid(`media_id: ${id} is not an upload of this user`);
    if (m.state !== 'uploading') return invalid(`media_id: ${id} is finalized already`);
    const indexes = [...m.segments.keys()].sort((a, b) => a - b);
    if (indexes.some((n, i) => n !== i)) return invalid('segments: must be 0, 1, 2, ... without a gap');
    const bytes = Buffer.concat(indexes.map((i) => m.segments.get(i) as Buffer));
    if (bytes.length !== m.totalBytes) {
      return invalid(`File size mismatch: total_bytes ${m.totalBytes}, received ${bytes.length}`);
    }
    m.bytes = bytes;
    const processed = CATEGORIES[m.category]?.processed ?? false;
    m.state = processed ? 'pending' : 'succeeded';
    m.readyAt = this.now() + this.processingMs;
    const data: Record<string, unknown> = {
      id,
      media_key: m.mediaKey,
      size: m.totalBytes,
      expires_after_secs: Math.max(0, Math.floor((m.expiresAt - this.now()) / 1000)),
    };
    const info = this.processingInfo(m);
    if (info) data.processing_info = info;
    return { status: 200, body: { data } };
  }

  private status(user: FakeXUser, q: URLSearchParams): Answer {
    if (q.get('command') !== 'STATUS') return invalid('command: must be STATUS');
    const m = this.own(user, q.get('media_id') ?? '');
    if (!m || m.state === 'uploading')
      return invalid(`media_id: ${q.get('media_id')} has no finalized upload`);
    const data: Record<string, unknown> = {
      id: m.id,
      media_key: m.mediaKey,
      expires_after_secs: Math.max(0, Math.floor((m.expiresAt - this.now()) / 1000)),
    };
    const info = this.processingInfo(m);
    if (info) data.processing_info = info;
    return { status: 200, body: { data } };
  }

  /** Alt text, for images and GIFs only, at most 1000 characters (docs.x.com "x-api/media/metadata-create"). */
  private metadata(user: FakeXUser, body: unknown): Answer {
    const b = (body ?? {}) as { id?: unknown; metadata?: { alt_text?: { text?: unknown } } };
    const m = typeof b.id === 'string' ? this.own(user, b.id) : null;
    if (!m) return invalid(`id: ${String(b.id)} is not an upload of this user`);
    if (m.category === 'tweet_video') return invalid('metadata: alt text is for images and GIFs');
    const text = b.metadata?.alt_text?.text;
    if (typeof text !== 'string' || text.length < 1 || text.length > 1000) {
      return invalid('metadata.alt_text.text: must be 1 to 1000 characters');
    }
    m.alt = text;
    return { status: 200, body: { data: { id: m.id, associated_metadata: { alt_text: { text } } } } };
  }

  /** What a post's rendering needs of an attached media: its key, and whether it plays (video, GIF). */
  info(id: string): { mediaKey: string; video: boolean } | null {
    const m = this.uploads.get(id);
    return m ? { mediaKey: m.mediaKey, video: m.category !== 'tweet_image' } : null;
  }

  /**
   * Why these media cannot go on a post by `user`, or null: each must be the user's, its
   * processing succeeded, not expired; up to 4 images, or 1 video or GIF
   * (docs.x.com "x-api/posts/creation-of-a-post": media.media_ids).
   */
  refuseAttach(user: FakeXUser, ids: unknown): Answer | null {
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 4 || ids.some((id) => typeof id !== 'string')) {
      return invalid('media.media_ids: must be 1 to 4 media ids');
    }
    const all = ids.map((id) => this.own(user, id as string));
    for (const [i, m] of all.entries()) {
      if (m) this.advance(m);
      if (!m || m.state !== 'succeeded' || m.expiresAt <= this.now()) {
        return invalid(`media.media_ids[${i}]: Your media IDs are invalid.`);
      }
    }
    if (all.length > 1 && all.some((m) => m?.category !== 'tweet_image')) {
      return invalid('media.media_ids: up to 4 images, or 1 video or GIF');
    }
    return null;
  }
}
