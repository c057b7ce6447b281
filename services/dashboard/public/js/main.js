// @ts-check
// The "what's live" page: renders each snapshot the server pushes. Every list of channels,
// statuses and limits comes from the snapshot's catalog (the contracts), none from here.

/** @typedef {import('../../src/views.ts').LiveMessage} LiveMessage */

import { renderAccounts } from './accounts.js';
import { act } from './act.js';
import { renderApprovals } from './approvals.js';
import { renderChannels } from './channels.js';
import { renderChart } from './chart.js';
import { renderDeadletter } from './deadletter.js';
import { byId } from './dom.js';
import { clock, setServerNow } from './format.js';
import { renderGate, renderGateScopes, setUpGate } from './gate.js';
import { renderHookUndelivered } from './hook-undelivered.js';
import { connect } from './live.js';
import { renderReceiptFilters, renderReceipts } from './receipts.js';
import { renderScheduled } from './scheduled.js';
import { renderUnknown } from './unknown.js';

/** @param {LiveMessage} message */
function render({ snapshot, receipts }) {
  setServerNow(snapshot.at ?? Date.now());
  const err = byId('redis-error');
  err.hidden = snapshot.redis.ok;
  err.textContent = snapshot.redis.ok ? '' : `${snapshot.redis.error}. Showing the last data read.`;
  renderGateScopes(snapshot.catalog);
  renderReceiptFilters(snapshot.catalog);
  // Redis could not be read before any snapshot was: nothing else to show yet.
  if (!('gate' in snapshot)) return;
  renderGate(snapshot.gate);
  renderApprovals(snapshot);
  renderReceipts(receipts);
  renderUnknown(snapshot.unknown);
  renderDeadletter(snapshot.deadletter);
  renderHookUndelivered(snapshot.hookUndelivered);
  renderChart(snapshot);
  renderChannels(snapshot.channels);
  renderAccounts(snapshot.accounts);
  renderScheduled(snapshot.scheduled);
  byId('updated').textContent = `updated ${clock(snapshot.at)}`;
  document.body.dataset.ready = '1';
}

byId('filters').addEventListener('change', () => {
  byId('receipts-body').dataset.sig = '';
  connect(render);
});
setUpGate();
byId('logout').addEventListener('click', async () => {
  await act('/logout', {}, null);
  location.assign('/login');
});

connect(render);
