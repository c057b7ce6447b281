// @ts-check
// Intents whose outcome nobody could establish: a person checks the account, then marks the
// intent done with the id found, or retries it.

/** @typedef {import('../../src/views.ts').Listed<import('../../src/views.ts').RecordView>} Records */
/** @typedef {import('../../src/views.ts').RecordView} RecordView */

import { act, enc, notice } from './act.js';
import { byId, h } from './dom.js';
import { ago } from './format.js';
import { reconcile, setCount } from './keyed-list.js';
import { recordHead, renderPayload } from './payload-view.js';

/** @param {RecordView} r */
function parked(r) {
  const ext = h('input', {
    name: 'externalId',
    placeholder: 'Id of the item you found',
    'aria-label': 'external id',
  });
  const url = h('input', {
    name: 'url',
    type: 'url',
    placeholder: 'Its URL (optional)',
    'aria-label': 'url',
  });
  const done = h('button', { type: 'button', class: 'primary' }, 'Mark done');
  const retry = h('button', { type: 'button' }, 'Retry');
  done.addEventListener('click', () => {
    if (!ext.value.trim()) {
      notice('Mark done needs the id of the item you found (e.g. the post id).', 'error');
      ext.focus();
      return;
    }
    act(
      `/api/intents/${enc(r.key)}/resolve`,
      { outcome: 'done', externalId: ext.value, url: url.value },
      done,
    );
  });
  retry.addEventListener('click', () =>
    act(`/api/intents/${enc(r.key)}/resolve`, { outcome: 'retry' }, retry),
  );
  return h(
    'article',
    { class: 'item' },
    recordHead(r),
    h('p', { class: 'err small' }, r.receipt?.error ?? 'outcome unknown'),
    h(
      'p',
      { class: 'muted small' },
      `Parked ${ago(r.updatedAt)}. Check the account: if it took effect, mark it done with its id; if not, retry.`,
    ),
    renderPayload(r.payload),
    h('div', { class: 'row actions' }, ext, url, done, retry),
  );
}

/** @param {Records} u */
export function renderUnknown(u) {
  setCount('unknown-count', u.items.length, u.total);
  reconcile(
    byId('unknown-list'),
    u.items,
    (r) => `${r.channel}:${r.key}`,
    parked,
    'Nothing is parked. An intent whose outcome could not be established waits here for a person.',
  );
}
