// @ts-check
// Intents waiting for their `notBefore`, which a person may cancel.

/** @typedef {import('../../src/views.ts').Listed<import('../../src/views.ts').RecordView>} Records */
/** @typedef {import('../../src/views.ts').RecordView} RecordView */

import { act, enc } from './act.js';
import { byId, h } from './dom.js';
import { clock, until } from './format.js';
import { reconcile, setCount } from './keyed-list.js';
import { recordHead, renderPayload } from './payload-view.js';

/** @param {RecordView} r */
function scheduled(r) {
  const cancel = h('button', { type: 'button', class: 'danger' }, 'Cancel');
  cancel.addEventListener('click', () =>
    act(`/api/intents/${enc(r.key)}/cancel`, { channel: r.channel }, cancel),
  );
  return h(
    'article',
    { class: 'item' },
    recordHead(r),
    h(
      'p',
      { class: 'small' },
      r.notBefore ? `Goes out at ${clock(r.notBefore)} (${until(r.notBefore)})` : 'Scheduled',
    ),
    renderPayload(r.payload),
    h('div', { class: 'row actions' }, cancel),
  );
}

/** @param {Records} sc */
export function renderScheduled(sc) {
  setCount('scheduled-count', sc.items.length, sc.total);
  reconcile(
    byId('scheduled-list'),
    sc.items,
    (r) => `${r.channel}:${r.key}`,
    scheduled,
    'Nothing is scheduled. An intent with "notBefore" in the future waits here until then.',
  );
}
