// @ts-check
// Intents held for a person: the full intent as text, approve or reject with a comment.

/** @typedef {import('../../src/views.ts').Snapshot} Snapshot */
/** @typedef {import('../../src/views.ts').RecordView} RecordView */

import { act, enc } from './act.js';
import { byId, h } from './dom.js';
import { ago, clock, until } from './format.js';
import { reconcile, setCount } from './keyed-list.js';
import { recordHead, renderPayload } from './payload-view.js';

/**
 * @param {RecordView} r
 * @param {number} commentChars
 */
function approval(r, commentChars) {
  const comment = h('input', {
    name: 'comment',
    maxlength: commentChars,
    placeholder: 'Comment (optional, kept in the audit log)',
    'aria-label': `Comment on ${r.key}`,
  });
  const approve = h('button', { type: 'button', class: 'primary', 'data-action': 'approve' }, 'Approve');
  const reject = h('button', { type: 'button', class: 'danger', 'data-action': 'reject' }, 'Reject');
  approve.addEventListener('click', () =>
    act(`/api/intents/${enc(r.key)}/approve`, { channel: r.channel, comment: comment.value }, approve),
  );
  reject.addEventListener('click', () =>
    act(`/api/intents/${enc(r.key)}/reject`, { channel: r.channel, comment: comment.value }, reject),
  );
  return h(
    'article',
    { class: 'item approval' },
    recordHead(r),
    h(
      'p',
      { class: 'muted small' },
      `Submitted by ${r.submittedBy ?? 'a producer'} ${ago(r.submittedAt)}`,
      r.approvalDeadline
        ? ` · approve before ${clock(r.approvalDeadline)} (${until(r.approvalDeadline)})`
        : '',
      r.notBefore ? ` · not before ${clock(r.notBefore)}` : '',
    ),
    renderPayload(r.payload),
    h('div', { class: 'row actions' }, comment, approve, reject),
  );
}

/** @param {Snapshot} snapshot */
export function renderApprovals(snapshot) {
  const a = snapshot.approvals;
  setCount('approvals-count', a.items.length, a.total);
  reconcile(
    byId('approvals-list'),
    a.items,
    (r) => `${r.channel}:${r.key}`,
    (r) => approval(r, snapshot.catalog.limits.comment),
    'Nothing waits for approval. Intents of accounts under the approval policy (coordinator config "approval.accounts") appear here.',
  );
}
