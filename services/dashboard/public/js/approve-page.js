// @ts-check
// The page an alert's link opens: the one intent its signed ref names, approve in one tap
// (reject with an optional comment). It reads with GET and changes things only by the POSTs
// of act.js, with the session's CSRF token.

/** @typedef {import('../../src/views.ts').ApprovalView} ApprovalView */
/** @typedef {import('../../src/views.ts').RecordView} RecordView */

import { act, enc } from './act.js';
import { byId, h } from './dom.js';
import { ago, clock, until } from './format.js';
import { recordHead, renderPayload } from './payload-view.js';

const REF = document.querySelector('meta[name="approval-ref"]')?.getAttribute('content') ?? '';
const POLL_MS = 1000;

/** @returns {Promise<ApprovalView | null>} */
async function load() {
  const res = await fetch(`/api/approval/${enc(REF)}`, { credentials: 'same-origin' });
  if (res.status === 401) {
    location.assign(`/login?next=${enc(`/approve/${REF}`)}`);
    return null;
  }
  /** @type {ApprovalView & { message?: string }} */
  const body = await res.json();
  if (!res.ok) {
    byId('approval-h').textContent = body.message ?? `HTTP ${res.status}`;
    return null;
  }
  return body;
}

/**
 * Who decided, and where the intent is now: "approved by ana 3 s ago · succeeded".
 * @param {RecordView} r
 */
function decided(r) {
  const d = r.decision;
  const verb = r.state === 'rejected' || r.state === 'cancelled' ? r.state : 'approved';
  const who = d ? `${verb} by ${d.by} ${ago(d.at)}` : r.state.replace('_', ' ');
  const now = verb === 'approved' ? ` · ${r.state.replace('_', ' ')}` : '';
  return h('p', { class: 'strong', id: 'approval-state', 'data-state': r.state }, `${who}${now}`);
}

/** @param {RecordView} r */
function buttons(r) {
  const comment = h('input', {
    name: 'comment',
    maxlength: 2000,
    placeholder: 'Comment (optional, kept in the audit log)',
    'aria-label': `Comment on ${r.key}`,
  });
  const approve = h('button', { type: 'button', class: 'primary big', 'data-action': 'approve' }, 'Approve');
  const reject = h('button', { type: 'button', class: 'danger big', 'data-action': 'reject' }, 'Reject');
  /** @param {'approve' | 'reject'} what @param {HTMLButtonElement} button */
  const send = async (what, button) => {
    if (
      await act(`/api/intents/${enc(r.key)}/${what}`, { channel: r.channel, comment: comment.value }, button)
    )
      void refresh();
  };
  approve.addEventListener('click', () => void send('approve', approve));
  reject.addEventListener('click', () => void send('reject', reject));
  return h('div', { class: 'approve-actions' }, approve, reject, comment);
}

/** @param {RecordView} r @param {number} expiresAt */
function render(r, expiresAt) {
  byId('approval-h').textContent = r.state === 'pending_approval' ? 'Waiting for your approval' : 'Decided';
  const meta = h(
    'p',
    { class: 'muted small' },
    `Submitted by ${r.submittedBy ?? 'a producer'} ${ago(r.submittedAt)}`,
    r.approvalDeadline ? ` · approve before ${clock(r.approvalDeadline)} (${until(r.approvalDeadline)})` : '',
    ` · this link works until ${clock(expiresAt)}`,
  );
  const parts = [recordHead(r), meta, renderPayload(r.payload)];
  parts.push(r.state === 'pending_approval' ? buttons(r) : decided(r));
  byId('approval-body').replaceChildren(...parts);
  document.body.dataset.ready = '1';
}

/** @type {string} */
let shown = '';

async function refresh() {
  const view = await load().catch(() => null);
  if (!view) return;
  if (!view.record) {
    byId('approval-h').textContent = 'No such intent (any more)';
    return;
  }
  const sig = JSON.stringify([view.record.state, view.record.receipt]);
  if (sig !== shown) {
    shown = sig;
    render(view.record, view.expiresAt);
  }
  // After a decision the receipt follows: keep looking until the intent is settled.
  if (!['succeeded', 'failed', 'rejected', 'unknown', 'cancelled'].includes(view.record.state))
    setTimeout(() => void refresh(), POLL_MS);
}

void refresh();
