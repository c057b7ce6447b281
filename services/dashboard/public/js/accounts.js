// @ts-check
// Per channel and account: rate-limit points left per group, when the window resets, the breaker,
// the login's health and the intents held until a person logs in again.

/** @typedef {import('../../src/views.ts').AccountView} AccountView */

import { byId, byIdAs, h, setOptions, td } from './dom.js';
import { ago, dur, num } from './format.js';

/** @param {AccountView} a */
function accountRow(a) {
  return h(
    'tr',
    {},
    td({ 'data-label': 'Channel' }, a.channel),
    td({ 'data-label': 'Account' }, a.account),
    td(
      { 'data-label': 'Points left' },
      a.limits.map((l) =>
        h(
          'div',
          { class: l.remaining === 0 ? 'warn' : '' },
          `${l.group}: ${num(l.remaining)} of ${num(l.points)}`,
        ),
      ),
    ),
    td(
      { 'data-label': 'Resets' },
      a.limits.map((l) =>
        h('div', {}, `${l.group}: ${l.resetInMs > 0 ? `in ${dur(l.resetInMs)}` : 'nothing used'}`),
      ),
    ),
    td(
      { 'data-label': 'Breaker' },
      h(
        'span',
        { class: `pill ${a.breaker.state === 'closed' ? 'pill-ok' : 'pill-bad'}` },
        a.breaker.state === 'closed' ? 'closed (healthy)' : a.breaker.state,
      ),
      a.breaker.since ? h('div', { class: 'muted small' }, ago(a.breaker.since)) : null,
    ),
    loginCell(a),
  );
}

/** @param {AccountView} a */
function loginCell(a) {
  if (!a.login) return td({ 'data-label': 'Login' }, h('span', { class: 'muted' }, 'not checked yet'));
  const ok = a.login.status === 'ok';
  const held = a.held.count > 0 ? `${num(a.held.count)}${a.held.partial ? '+' : ''} held` : null;
  return td(
    { 'data-label': 'Login' },
    h('span', { class: `pill ${ok ? 'pill-ok' : 'pill-bad'}` }, ok ? 'ok' : 'needs_reauth: run ops login'),
    h('div', { class: 'muted small' }, `${ago(a.login.since)}, checked ${ago(a.login.checkedAt)}`),
    a.login.reason ? h('div', { class: 'small' }, a.login.reason) : null,
    held ? h('div', { class: 'warn' }, held) : null,
    a.held.keys.length ? h('div', { class: 'key muted' }, a.held.keys.join(', ')) : null,
  );
}

/** @param {AccountView[]} accounts */
export function renderAccounts(accounts) {
  const body = byId('accounts-body');
  if (!accounts.length) {
    body.replaceChildren(
      h(
        'tr',
        {},
        h(
          'td',
          { colspan: 6, class: 'empty' },
          'No account seen yet. Accounts appear with their first receipt, or when configured (OPS_CONFIG_FILE).',
        ),
      ),
    );
  } else {
    body.replaceChildren(...accounts.map(accountRow));
  }
  // The account filter offers every account the page knows.
  setOptions(byIdAs('f-account', HTMLSelectElement), [...new Set(accounts.map((a) => a.account))].sort());
}
