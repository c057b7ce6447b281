import { z } from 'zod';

/**
 * Media on an X post: up to 4 images, or 1 video or animated GIF (docs.x.com
 * "x-api/posts/creation-of-a-post", media.media_ids; REAL-APIS.md). Never inline (an intents entry is
 * capped at 1 MiB): a file in the executor's media folder, or an https URL it fetches.
 * The kind comes from the name's extension, so intake can check the mix before anything is
 * fetched; the executor checks the bytes' content type against it.
 */
export const X_MEDIA_KINDS = {
  jpg: 'image',
  jpeg: 'image',
  png: 'image',
  webp: 'image',
  gif: 'gif',
  mp4: 'video',
  mov: 'video',
} as const;
export type XMediaKind = (typeof X_MEDIA_KINDS)[keyof typeof X_MEDIA_KINDS];

export const X_MEDIA_MAX_IMAGES = 4;
/** X's limit for alt text (docs.x.com "x-api/media/metadata-create": 1000 characters). */
export const X_ALT_TEXT_CHARS = 1000;

const EXTENSIONS = Object.keys(X_MEDIA_KINDS).join(', ');

/** The kind a media name stands for, from its extension; null when X takes no such file. */
export function xMediaKind(name: string): XMediaKind | null {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  return ext && ext in X_MEDIA_KINDS ? X_MEDIA_KINDS[ext as keyof typeof X_MEDIA_KINDS] : null;
}

/** The name whose extension says the kind: the path, or the URL's path; null for a URL that does not parse. */
function nameOf(m: { path?: string | undefined; url?: string | undefined }): string | null {
  if (m.path !== undefined) return m.path;
  try {
    return new URL(m.url ?? '').pathname;
  } catch {
    return null;
  }
}

/** A path inside the media folder: relative, segments of letters, digits and `. _ -`, never `..`. */
const mediaPath = z
  .string()
  .max(500)
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/, {
    error:
      'must be a relative path inside the media folder (letters, digits, . _ - and /; no leading dot or ..)',
  });

const mediaUrl = z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(2000);

export const XMediaItem = z
  .strictObject({
    path: mediaPath.optional(),
    url: mediaUrl.optional(),
    /** What a screen reader says; X takes it for images and GIFs. */
    alt: z
      .string()
      .min(1, { error: `must be 1 to ${X_ALT_TEXT_CHARS} characters` })
      .max(X_ALT_TEXT_CHARS, { error: `must be 1 to ${X_ALT_TEXT_CHARS} characters` })
      .optional(),
  })
  .superRefine((m, ctx) => {
    if ((m.path === undefined) === (m.url === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'exactly one of path or url is required' });
      return;
    }
    const name = nameOf(m);
    // A URL that does not parse has its own issue already.
    if (name === null) return;
    const kind = xMediaKind(name);
    const field = m.path !== undefined ? 'path' : 'url';
    if (!kind) {
      ctx.addIssue({ code: 'custom', path: [field], message: `must end in one of ${EXTENSIONS}` });
      return;
    }
    if (kind !== 'video' && m.alt === undefined) {
      ctx.addIssue({ code: 'custom', path: ['alt'], message: `is required for an ${kind}` });
    }
    if (kind === 'video' && m.alt !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['alt'], message: 'X takes alt text for images and GIFs only' });
    }
  });
export type XMediaItem = z.output<typeof XMediaItem>;

/** The kind of a valid item (its path's or URL's extension). */
export function kindOfItem(m: XMediaItem): XMediaKind {
  return xMediaKind(nameOf(m) ?? '') ?? 'image';
}

export const XMediaList = z
  .array(XMediaItem)
  .min(1, { error: `must have 1 to ${X_MEDIA_MAX_IMAGES} items` })
  .max(X_MEDIA_MAX_IMAGES, { error: 'a post takes up to 4 images, or exactly 1 video or GIF' })
  .superRefine((items, ctx) => {
    const kinds = items.map((m) => xMediaKind(nameOf(m) ?? ''));
    if (items.length > 1 && kinds.some((k) => k === 'video' || k === 'gif')) {
      ctx.addIssue({
        code: 'custom',
        message: 'a post takes up to 4 images, or exactly 1 video or GIF',
      });
    }
  });
