// @ts-check
// The newest receipts, filtered by channel, account and status, linking to what was posted.

/** @typedef {import('../../src/views.ts').ReceiptsView} ReceiptsView */
/** @typedef {import('../../src/views.ts').Catalog} Catalog */

import { byId, byIdAs, h, safeHref, setOptions, td } from './dom.js';
import { num, when } from './format.js';

/** @param {string} status */
export function statusChip(status) {
  return h('span', { class: `status st-${status}` }, status);
}

/** The filters offer every channel and status of the contracts. @param {Catalog} catalog */
export function renderReceiptFilters(catalog) {
  setOptions(byIdAs('f-channel', HTMLSelectElement), catalog.channels);
  setOptions(byIdAs('f-status', HTMLSelectElement), catalog.statuses);
}

/** @param {ReceiptsView | null} r */
export function renderReceipts(r) {
  if (!r) return;
  const rows = r.items.map((x) => {
    const href = safeHref(x.url);
    return h(
      'tr',
      { 'data-key': x.key, 'data-status': x.status },
      td({ 'data-label': 'When' }, when(x.at)),
      td({ 'data-label': 'Status' }, statusChip(x.status)),
      td({ 'data-label': 'Channel' }, x.channel),
      td({ 'data-label': 'Account' }, x.account),
      td({ 'data-label': 'Key', class: 'key' }, x.key),
      td(
        { 'data-label': 'What', class: 'what' },
        x.text ?? '',
        x.error ? h('div', { class: 'err small' }, x.error) : null,
      ),
      td(
        { 'data-label': 'Link' },
        href
          ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, 'open ↗')
          : (x.externalId ?? '–'),
      ),
    );
  });
  const body = byId('receipts-body');
  if (rows.length === 0) {
    const filtered = r.filter.channel || r.filter.account || r.filter.status;
    body.replaceChildren(
      h(
        'tr',
        {},
        h(
          'td',
          { colspan: 7, class: 'empty' },
          filtered
            ? 'No receipt matches this filter among the newest entries. Clear a filter to see more.'
            : 'No receipts yet. Once an executor carries out an intent, its receipt appears here.',
        ),
      ),
    );
  } else {
    const sig = JSON.stringify(r.items.map((x) => x.id + x.status));
    if (body.dataset.sig !== sig) {
      body.replaceChildren(...rows);
      body.dataset.sig = sig;
    }
  }
  byId('receipts-note').textContent = r.complete
    ? ''
    : `Looked at the newest ${num(r.scanned)} receipts; older matches are not shown.`;
}
