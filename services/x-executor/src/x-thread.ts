import { isNonRetryable, OutcomeUnknownError } from '@agent-ops/contracts/errors';
import type { IntentOf } from '@agent-ops/contracts/intent';
import { threadPartKey } from '@agent-ops/contracts/receipt';
import type { XMediaItem } from '@agent-ops/contracts/x-media';
import type { DerivedEffect, EffectContext, EffectResult, ReconcileResult } from '@agent-ops/runtime/adapter';
import type { WantedPost } from './post-match.ts';
import { type Progress, postedMark, readProgress, sendMark } from './x-progress.ts';

type Thread = IntentOf<'x.thread'>;

/** What a thread needs of the adapter: one post call, media for a part, a timeline lookup. */
export type ThreadDeps = {
  /** Posts one part; throws the runtime's error classes (x-errors.ts), duplicate content as unknown. */
  post(text: string, inReplyTo: string | null, mediaIds: string[]): Promise<string>;
  /** Media ids for a part, uploading what no mark says is uploaded already. */
  media(
    part: number,
    items: readonly XMediaItem[] | undefined,
    progress: Progress,
    ctx: EffectContext,
  ): Promise<string[]>;
  /** Is this post among the account's own since the attempt began (reconcile's lookup)? */
  find(wanted: WantedPost, ctx: EffectContext): Promise<ReconcileResult>;
  url(id: string): string;
};

/** The receipts of the parts posted so far, in order: each a succeeded effect of its own. */
export function postedParts(
  intent: Thread,
  progress: Progress,
  url: (id: string) => string | null,
): DerivedEffect[] {
  const out: DerivedEffect[] = [];
  for (let n = 1; progress.posted.has(n); n += 1) {
    const id = progress.posted.get(n) as string;
    out.push({
      key: threadPartKey(intent.idempotencyKey, n),
      action: n === 1 ? 'x.post' : 'x.reply',
      externalId: id,
      url: url(id),
    });
  }
  return out;
}
const derived = (intent: Thread, progress: Progress, deps: ThreadDeps) =>
  postedParts(intent, progress, deps.url);

function postedSoFar(progress: Progress): string {
  const ids = [...progress.posted].sort(([a], [b]) => a - b).map(([n, id]) => `${n}: ${id}`);
  return ids.length === 0 ? 'no part is posted' : `posted so far (part: id): ${ids.join(', ')}`;
}

/**
 * Posts the parts in order, each replying to the one before, resuming after the last part
 * the marks say is posted. Before each post call a `send` mark, after it a `posted` mark with
 * the id: a takeover reads them and only the one part between the two can be in doubt.
 * Once a part is out, a refusal of a later part is no plain failure (the thread is half out,
 * and retrying it whole would post the first parts again): it goes to reconcile as
 * `thread_incomplete`, which parks the key with the reason for a person.
 */
export async function performThread(
  intent: Thread,
  ctx: EffectContext,
  deps: ThreadDeps,
): Promise<EffectResult> {
  const progress = readProgress(ctx.previousMarks);
  const parts = intent.payload.parts;
  for (let n = 1; n <= parts.length; n += 1) {
    if (progress.posted.has(n)) continue;
    const part = parts[n - 1] as (typeof parts)[number];
    const parent = n === 1 ? null : (progress.posted.get(n - 1) ?? null);
    try {
      const mediaIds = await deps.media(n, part.media, progress, ctx);
      await ctx.mark(sendMark(n));
      const id = await deps.post(part.text, parent, mediaIds);
      progress.posted.set(n, id);
      await ctx.mark(postedMark(n, id));
    } catch (err) {
      // A refused login (NeedsReauthError) is no refusal of the part and passes through: the
      // runtime holds the key until a person logs in again, its marks kept for then.
      if (progress.posted.size > 0 && isNonRetryable(err)) {
        throw new OutcomeUnknownError(
          `part ${n} of ${parts.length} cannot be posted (${(err as Error).message}); ${postedSoFar(progress)}; the rest of the thread is held`,
          'thread_incomplete',
        );
      }
      throw err;
    }
  }
  const head = progress.posted.get(1) as string;
  return { externalId: head, url: deps.url(head), derived: derived(intent, progress, deps) };
}

/**
 * After a takeover or an unknown outcome: establishes each part the marks leave in doubt (sent,
 * no id) against the account's timeline, replying to the part before, and marks what it finds.
 * The whole thread found: done. A part found absent: not done, and perform resumes at it. A
 * part that cannot be established, or a part X refused once others were out: parked (the
 * parts posted so far get their receipts through the adapter's derivedEffects).
 */
export async function reconcileThread(
  intent: Thread,
  ctx: EffectContext,
  deps: ThreadDeps,
): Promise<ReconcileResult> {
  const progress = readProgress(ctx.previousMarks);
  const parts = intent.payload.parts;
  if (ctx.cause?.code === 'thread_incomplete') {
    return { outcome: 'unknown', reason: ctx.cause.message };
  }
  for (let n = 1; n <= parts.length; n += 1) {
    if (progress.posted.has(n)) continue;
    if (!progress.sent.has(n)) break;
    const parent = n === 1 ? null : (progress.posted.get(n - 1) ?? null);
    const found = await deps.find({ text: (parts[n - 1] as { text: string }).text, inReplyTo: parent }, ctx);
    if (found.outcome === 'not_done') break;
    if (found.outcome === 'unknown') {
      return {
        outcome: 'unknown',
        reason: `part ${n} of ${parts.length} could not be established: ${found.reason}; ${postedSoFar(progress)}`,
      };
    }
    progress.posted.set(n, found.result.externalId);
    await ctx.mark(postedMark(n, found.result.externalId));
  }
  if (progress.posted.size < parts.length) return { outcome: 'not_done' };
  const head = progress.posted.get(1) as string;
  return {
    outcome: 'done',
    result: { externalId: head, url: deps.url(head), derived: derived(intent, progress, deps) },
  };
}
