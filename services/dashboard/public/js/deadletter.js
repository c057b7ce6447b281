// @ts-check
// Entries an executor could not carry out, with the reason; replayable once their key has failed.

/** @typedef {import('../../src/views.ts').Listed<import('../../src/views.ts').DeadletterView>} Entries */
/** @typedef {import('../../src/views.ts').DeadletterView} DeadletterView */

import { act, enc } from './act.js';
import { byId, h } from './dom.js';
import { when } from './format.js';
import { reconcile, setCount } from './keyed-list.js';
import { itemHead, renderPayload } from './payload-view.js';

/** @param {DeadletterView} e */
function why(e) {
  if (e.keyState === 'failed' || e.keyState === 'unknown')
    return `Replay appends the intent again under its key (now ${e.keyState}).`;
  if (e.keyState === 'succeeded')
    return 'Done since: its key has succeeded (replayed or resubmitted). Nothing to do.';
  if (e.key)
    return `Replay is possible once its key has failed (now ${e.keyState ?? 'unknown to the coordinator'}).`;
  return 'Not a valid intent: correct it and submit it as a new intent.';
}

/** @param {DeadletterView} e */
function entry(e) {
  // The coordinator replays a key that failed or is unknown; anything else it refuses.
  const replayable = e.keyState === 'failed' || e.keyState === 'unknown';
  const replay = h(
    'button',
    { type: 'button', class: 'primary', disabled: !replayable, hidden: e.keyState === 'succeeded' },
    'Replay',
  );
  replay.addEventListener('click', () =>
    act(`/api/deadletter/${enc(e.channel)}/${enc(e.id)}/replay`, {}, replay),
  );
  return h(
    'article',
    { class: 'item' },
    itemHead(
      e.channel,
      e.key ?? '(no valid key)',
      [e.action, e.account].filter(Boolean).join(' · '),
      h('span', { class: 'muted small' }, when(e.at)),
    ),
    h('p', { class: 'err' }, e.reason),
    e.payload ? renderPayload(e.payload) : null,
    e.raw ? h('pre', { class: 'raw' }, e.raw) : null,
    h('div', { class: 'row actions' }, replay, h('span', { class: 'muted small' }, why(e))),
  );
}

/** @param {Entries} d */
export function renderDeadletter(d) {
  setCount('deadletter-count', d.items.length, d.total);
  reconcile(
    byId('deadletter-list'),
    d.items,
    (e) => `${e.channel}:${e.id}`,
    entry,
    'The deadletter is empty. Entries that are invalid or failed for good land here, with the reason.',
  );
}
