import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

/** What an agent means by one decision: who, what kind of effect, its name, and what it says. */
export type KeyIntent = {
  account: string;
  action: string;
  /** A name the caller chooses for the decision, e.g. "launch announcement 2026-11-24". */
  slug: string;
  /** Any JSON value; what makes this decision this one (usually the payload). */
  content: unknown;
};

/** Enough of the readable part to recognise a key in a list, short enough to stay under 200. */
const SLUG_MAX = 60;
const ACCOUNT_MAX = 64;
const ACTION_MAX = 32;
/** 16 hex digits: 64 bits, so two different decisions under one prefix practically never collide. */
const HASH_HEX = 16;

/**
 * Lowercase ASCII words joined by `-`: accents are dropped (é → e), every other run of
 * characters outside a-z 0-9 becomes one `-`, so any unicode slug fits the key's charset.
 */
export function slugify(text: string, max = SLUG_MAX): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return ascii.slice(0, max).replace(/-+$/, '');
}

/** Keeps the characters a key allows, so a malformed account or action cannot break the charset. */
function keyPart(text: string, max: number): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, max) || 'none';
}

/**
 * A stable idempotency key for one decision: `<action>:<account>:<slug>:<hash>`, where the
 * hash is taken over the canonical JSON of all four inputs (key order does not matter).
 * The same decision re-submitted by a restarted agent gets the same key, so the coordinator
 * answers the existing record instead of doing it twice; different content gets another key.
 * The readable prefix is for people; only the hash decides identity, which is why the raw
 * slug is hashed too (two long slugs that differ after the 60th character stay apart).
 */
export function deriveIdempotencyKey(intent: KeyIntent): string {
  const hash = createHash('sha256')
    .update(
      canonicalJson({
        v: 1,
        account: intent.account,
        action: intent.action,
        slug: intent.slug,
        content: intent.content ?? null,
      }),
    )
    .digest('hex')
    .slice(0, HASH_HEX);
  const slug = slugify(intent.slug) || 'intent';
  return `${keyPart(intent.action, ACTION_MAX)}:${keyPart(intent.account, ACCOUNT_MAX)}:${slug}:${hash}`;
}
