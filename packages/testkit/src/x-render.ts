import { createHash } from 'node:crypto';

// How X turns the text a client posted into the text its API returns. The fake X stores and
// answers through these functions, and the x-executor's matcher is tested against them, so
// each rule names the page it follows. Where a page leaves room, the rule is the stricter
// reading: one that makes the returned text differ more from what was sent.

/** A URL entity as X v2 returns it under `entities.urls` (docs.x.com/x-api/fundamentals/data-dictionary). */
export type XUrlEntity = {
  start: number;
  end: number;
  url: string;
  expanded_url: string;
  display_url: string;
  /** Set on the link X adds for a post's attached media (g8rswimmer/go-twitter#161). */
  media_key?: string;
};
/** A mention entity, as under `entities.mentions`. */
export type XMentionEntity = { start: number; end: number; username: string };
export type RenderedPost = { text: string; urls: XUrlEntity[]; mentions: XMentionEntity[] };

/**
 * What X stores of a posted text: NFC-normalised, as docs.x.com "fundamentals/counting-characters"
 * says character counts are taken ("X normalizes to NFC"), and trimmed (the stricter choice:
 * surrounding whitespace does not come back). The duplicate-content check compares this form.
 */
export function storedForm(text: string): string {
  return text.normalize('NFC').trim();
}

// Bare domains are wrapped only with a known top-level domain, as twitter-text does (the list
// here is a sample of its list); a scheme makes any dotted host a link.
const TLDS =
  'com|org|net|io|dev|app|ai|co|me|info|biz|xyz|ly|gl|gg|tv|fm|us|uk|de|fr|jp|nl|eu|ca|au|es|it|ch';
const URL_PATTERN = new RegExp(
  [
    // Not glued to a word, a mention, an e-mail address or another URL.
    String.raw`(?<![\p{L}\p{N}\p{M}@.\-_/:])`,
    String.raw`(?:https?:\/\/(?:[a-z0-9-]+\.)+[a-z0-9-]+|(?:[a-z0-9-]+\.)+(?:${TLDS})(?![a-z0-9-]))`,
    String.raw`(?::\d{1,5})?`,
    String.raw`(?:\/[\p{L}\p{N}\p{M}\-._~:/?#\[\]@!$&'()*+,;=%]*)?`,
  ].join(''),
  'giu',
);

/**
 * developer.x.com/en/docs/tco: "Trailing periods and commas, unless URL-encoded, are ignored
 * and not considered part of a URL"; twitter-text drops other closing punctuation and an
 * unbalanced closing bracket the same way.
 */
function trimUrl(candidate: string): string {
  let url = candidate;
  for (;;) {
    const last = url.at(-1) ?? '';
    const unbalanced =
      (last === ')' && url.split('(').length <= url.split(')').length - 1) ||
      (last === ']' && url.split('[').length <= url.split(']').length - 1);
    if (/[.,!?:;'"*]/.test(last) || unbalanced) url = url.slice(0, -1);
    else return url;
  }
}

/** The URLs X would wrap in `text`, in order, with their UTF-16 offsets. */
export function findUrls(text: string): Array<{ index: number; url: string }> {
  const found: Array<{ index: number; url: string }> = [];
  for (const m of text.matchAll(URL_PATTERN)) {
    const url = trimUrl(m[0]);
    if (/\.[a-z0-9-]+/i.test(url)) found.push({ index: m.index, url });
  }
  return found;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** developer.x.com/en/docs/tco: every link "regardless of length" becomes a t.co link; ten characters, one per URL. */
export function tcoLink(expandedUrl: string): string {
  const digest = createHash('sha256').update(expandedUrl).digest();
  let id = '';
  for (let i = 0; i < 10; i += 1) id += BASE62[(digest[i] as number) % 62];
  return `https://t.co/${id}`;
}

/** A link written without a scheme is expanded as http:// (twitter-text's autolink does the same). */
function expand(url: string): string {
  return /^https?:\/\//i.test(url) ? url : `http://${url}`;
}

/** What the X app shows: no scheme, no www., cut at 26 characters with an ellipsis. */
function displayUrl(expanded: string): string {
  const bare = expanded.replace(/^https?:\/\/(www\.)?/i, '');
  return bare.length > 26 ? `${bare.slice(0, 25)}…` : bare;
}

/** tweepy#1080, ainergiz/xfeed#63: `&`, `<` and `>` come back as `&amp;`, `&lt;`, `&gt;` (quotes do not). */
export function escapeLikeX(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

const codePoints = (s: string) => [...s].length;

/**
 * The `text` X returns for a stored post, and its entities. `mentions` are the usernames X
 * puts in front of a reply's text (docs.x.com "creation-of-a-post": `auto_populate_reply_metadata`;
 * zernonia/tweetic#39). Entity offsets count code points of the returned text.
 */
export function renderLikeX(stored: string, mentions: readonly string[] = []): RenderedPost {
  const out: RenderedPost = { text: '', urls: [], mentions: [] };
  const add = (s: string) => {
    out.text += s;
    return codePoints(out.text);
  };
  for (const username of mentions) {
    const start = codePoints(out.text);
    const end = add(`@${username}`);
    out.mentions.push({ start, end, username });
    add(' ');
  }
  let at = 0;
  for (const { index, url } of findUrls(stored)) {
    add(escapeLikeX(stored.slice(at, index)));
    const expanded_url = expand(url);
    const link = tcoLink(expanded_url);
    const start = codePoints(out.text);
    const end = add(link);
    out.urls.push({ start, end, url: link, expanded_url, display_url: displayUrl(expanded_url) });
    at = index + url.length;
  }
  add(escapeLikeX(stored.slice(at)));
  return out;
}

/**
 * A post with media comes back with one more t.co link at the end of its text, standing for
 * the attached media (lockdown-systems/cyd#393: an image post sent as "a fun game" returns
 * "a fun game https://t.co/FuXqivJIdE"), whose entity under `entities.urls` carries the first
 * media's `media_key`, `expanded_url` `https://x.com/<user>/status/<id>/photo/1` (`video/1` for
 * a video or GIF) and `display_url` `pic.x.com/...` (g8rswimmer/go-twitter#161).
 */
export function withMediaLink(
  rendered: RenderedPost,
  media: { postUrl: string; mediaKey: string; video: boolean } | null,
): RenderedPost {
  if (!media) return rendered;
  const expanded_url = `${media.postUrl}/${media.video ? 'video' : 'photo'}/1`;
  const link = tcoLink(expanded_url);
  const sep = rendered.text.length > 0 ? ' ' : '';
  const start = codePoints(rendered.text) + sep.length;
  const text = `${rendered.text}${sep}${link}`;
  const entity: XUrlEntity = {
    start,
    end: codePoints(text),
    url: link,
    expanded_url,
    display_url: `pic.x.com/${link.slice('https://t.co/'.length)}`,
    media_key: media.mediaKey,
  };
  return { ...rendered, text, urls: [...rendered.urls, entity] };
}
