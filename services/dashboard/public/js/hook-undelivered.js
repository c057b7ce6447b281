// @ts-check
// Reports of receipts to the agent's gateway that the coordinator gave up on: the agent never
// heard of these, so a person tells it (or the user) and fixes what the reason names.

/** @typedef {import('../../src/views.ts').Listed<import('../../src/views.ts').HookUndeliveredView>} Entries */
/** @typedef {import('../../src/views.ts').HookUndeliveredView} HookUndeliveredView */

import { byId, h } from './dom.js';
import { when } from './format.js';
import { reconcile, setCount } from './keyed-list.js';
import { itemHead } from './payload-view.js';

/** @param {HookUndeliveredView} e */
function entry(e) {
  const what = [e.action, e.account, e.status].filter(Boolean).join(' · ');
  const tries = e.attempts === null ? '' : ` (after ${e.attempts} attempt${e.attempts === 1 ? '' : 's'})`;
  return h(
    'article',
    { class: 'item' },
    itemHead(e.channel, e.key ?? '(no key)', what, h('span', { class: 'muted small' }, when(e.at))),
    h('p', { class: 'err' }, `${e.reason}${tries}`),
  );
}

/** @param {Entries} d */
export function renderHookUndelivered(d) {
  setCount('hook-undelivered-count', d.items.length, d.total);
  reconcile(
    byId('hook-undelivered-list'),
    d.items,
    (e) => `${e.channel}:${e.id}`,
    entry,
    'Every report to the agent was delivered (or is still being retried).',
  );
}
