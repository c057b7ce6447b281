/**
 * Is this post, as X returns it, the one an intent asked for? X does not give back the text
 * it was sent: every URL comes back as a t.co link (the original in `entities.urls`), `&`,
 * `<` and `>` come back HTML-escaped, the text is NFC-normalised, and a reply begins with the
 * mentions X filled in. Comparing the raw text finds nothing, and reconcile would then call
 * a post that exists "not done". This undoes each rendering, and never more: a post that
 * differs in anything we sent does not match.
 */

/** The fields of a post reconcile asks for (`tweet.fields=entities,referenced_tweets,created_at`). */
export type XPostView = {
  id: string;
  text: string;
  entities?: { urls?: ReadonlyArray<{ url: string; expanded_url?: string; media_key?: string }> } | undefined;
  referenced_tweets?: ReadonlyArray<{ type: string; id: string }> | undefined;
};

/** What the intent asked X to post: its text, and the post it replies to (null for a post). */
export type WantedPost = { text: string; inReplyTo: string | null };

/** X keeps text NFC-normalised (docs.x.com "fundamentals/counting-characters") and without surrounding space. */
export function normalisePostText(text: string): string {
  return text.normalize('NFC').trim();
}

/** X escapes exactly these three; one pass, so a literal `&amp;` we sent (`&amp;amp;`) stays `&amp;`. */
export function decodeXEscapes(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_, name: string) =>
    name === 'amp' ? '&' : name === 'lt' ? '<' : '>',
  );
}

const TCO = /https:\/\/t\.co\/[A-Za-z0-9]+/g;
/** One automatic reply mention: X usernames are letters, digits and `_`. */
const LEADING_MENTION = /^@[A-Za-z0-9_]{1,50}\s+/;

/** A piece of the returned text: literal text, or a t.co link with what it may stand for. */
type Piece = { literal: string } | { forms: readonly string[] };

/**
 * What a t.co link may have been in the text we sent: its `expanded_url`, and, since X adds
 * `http://` to a link written without a scheme, that URL without it. A link X did not
 * explain stands only for itself.
 */
function linkForms(link: string, post: XPostView): string[] {
  const expanded = post.entities?.urls?.find((u) => u.url === link)?.expanded_url;
  if (!expanded) return [link];
  const forms = [expanded.normalize('NFC')];
  if (/^http:\/\//i.test(expanded)) forms.push(forms[0]?.slice('http://'.length) ?? '');
  return forms;
}

function literal(raw: string): Piece {
  return { literal: decodeXEscapes(raw).normalize('NFC') };
}

/**
 * The text without the link X appends for attached media: the last t.co link, at the very
 * end, whose entity carries a `media_key` (g8rswimmer/go-twitter#161; lockdown-systems/cyd#393:
 * an image post sent as "a fun game" comes back as "a fun game https://t.co/FuXqivJIdE").
 * We never sent it, so it is no part of what is compared.
 */
function withoutMediaLink(post: XPostView): string {
  const last = /\s*(https:\/\/t\.co\/[A-Za-z0-9]+)\s*$/.exec(post.text);
  if (!last) return post.text;
  const entity = post.entities?.urls?.find((u) => u.url === last[1]);
  return entity?.media_key ? post.text.slice(0, last.index) : post.text;
}

/** The returned text cut at its t.co links, each literal decoded. */
function pieces(post: XPostView): Piece[] {
  const out: Piece[] = [];
  const text = withoutMediaLink(post);
  let at = 0;
  for (const m of text.matchAll(TCO)) {
    out.push(literal(text.slice(at, m.index)), { forms: linkForms(m[0], post) });
    at = m.index + m[0].length;
  }
  out.push(literal(text.slice(at)));
  return out;
}

/** Whether `target` from `pos` on is exactly `parts`, trying each form of each link. */
function matchesFrom(target: string, pos: number, parts: readonly Piece[], i: number): boolean {
  const part = parts[i];
  if (!part) return pos === target.length;
  if ('literal' in part) {
    return (
      target.startsWith(part.literal, pos) && matchesFrom(target, pos + part.literal.length, parts, i + 1)
    );
  }
  return part.forms.some(
    (form) => target.startsWith(form, pos) && matchesFrom(target, pos + form.length, parts, i + 1),
  );
}

/**
 * The ways the first literal may begin once X's automatic mentions are taken off: as it is,
 * then without the first mention, the first two, and so on. Our own text may begin with a
 * mention too, so each is tried rather than all being stripped.
 */
function withoutLeadingMentions(first: string): string[] {
  const out = [first];
  let rest = first;
  for (let m = LEADING_MENTION.exec(rest); m; m = LEADING_MENTION.exec(rest)) {
    rest = rest.slice(m[0].length);
    out.push(rest);
  }
  return out;
}

/** A reply must reply to the intent's post; a post must not be a reply. */
function sameTarget(post: XPostView, wanted: WantedPost): boolean {
  const repliedTo = (post.referenced_tweets ?? []).filter((r) => r.type === 'replied_to').map((r) => r.id);
  return wanted.inReplyTo === null ? repliedTo.length === 0 : repliedTo.includes(wanted.inReplyTo);
}

/** Whether `post` is the one `wanted` describes, in X's rendering of it. */
export function isWantedPost(post: XPostView, wanted: WantedPost): boolean {
  if (!sameTarget(post, wanted)) return false;
  const target = normalisePostText(wanted.text);
  const parts = pieces(post);
  const last = parts.length - 1;
  const trimEnd = (p: Piece, i: number): Piece =>
    'literal' in p && i === last ? { literal: p.literal.trimEnd() } : p;
  const first = parts[0] as { literal: string };
  const starts = wanted.inReplyTo === null ? [first.literal] : withoutLeadingMentions(first.literal);
  return starts.some((start) => {
    const tried = [{ literal: start.trimStart() }, ...parts.slice(1)].map(trimEnd);
    return matchesFrom(target, 0, tried, 0);
  });
}
