// @ts-check
// The kill switch: its state per scope, and closing or opening it with a confirmed reason.

/** @typedef {import('../../src/views.ts').Snapshot} Snapshot */
/** @typedef {import('../../src/views.ts').Catalog} Catalog */
/** @typedef {import('../../src/views.ts').GateView} GateView */

import { act } from './act.js';
import { byId, byIdAs, h, setOptions } from './dom.js';
import { ago } from './format.js';

/**
 * @param {string} label
 * @param {GateView} g
 */
function gateLine(label, g) {
  return h(
    'div',
    { class: `gate-row ${g.open ? 'open' : 'closed'}` },
    h('span', { class: 'gate-label' }, label),
    h('span', { class: `pill ${g.open ? 'pill-ok' : 'pill-bad'}` }, g.open ? 'open' : 'CLOSED'),
    g.by
      ? h('span', { class: 'muted small' }, `${g.open ? 'opened' : 'closed'} by ${g.by} ${ago(g.at)}`)
      : null,
    g.reason ? h('span', { class: 'small reason' }, `“${g.reason}”`) : null,
  );
}

/** @param {Snapshot['gate']} gate */
export function renderGate(gate) {
  const rows = [gateLine('All channels', gate.global)];
  for (const [c, g] of Object.entries(gate.channels)) {
    const row = gateLine(c, g);
    if (g.open && !gate.global.open)
      row.append(h('span', { class: 'muted small' }, '(held: the global gate is closed)'));
    rows.push(row);
  }
  byId('gate-state').replaceChildren(...rows);
  const anyClosed = !gate.global.open || Object.values(gate.channels).some((g) => !g.open);
  byId('gate').classList.toggle('alarm', anyClosed);
}

/** Every channel of the contracts can be gated on its own. @param {Catalog} catalog */
export function renderGateScopes(catalog) {
  setOptions(byIdAs('gate-scope', HTMLSelectElement), catalog.channels);
  byIdAs('gate-reason', HTMLInputElement).maxLength = catalog.limits.gateReason;
}

/** @type {{ scope: string; enabled: boolean } | null} */
let asked = null;

/** @param {boolean} enabled */
function ask(enabled) {
  const scope = byIdAs('gate-scope', HTMLSelectElement).value;
  asked = { scope, enabled };
  const where = scope === 'global' ? 'every channel' : `channel ${scope}`;
  byId('gate-confirm-text').textContent = enabled
    ? `Open the gate for ${where}? Held work resumes.`
    : `Close the gate for ${where}? No new effect starts; effects already running finish and are receipted.`;
  const go = byId('gate-confirm-go');
  go.textContent = enabled ? 'Confirm: open' : 'Confirm: close gate';
  go.className = enabled ? 'primary' : 'danger';
  byId('gate-confirm').hidden = false;
  byId('gate-reason').focus();
}

export function setUpGate() {
  const confirm = byIdAs('gate-confirm', HTMLFormElement);
  const reason = byIdAs('gate-reason', HTMLInputElement);
  byId('gate-close').addEventListener('click', () => ask(false));
  byId('gate-open').addEventListener('click', () => ask(true));
  byId('gate-confirm-cancel').addEventListener('click', () => {
    confirm.hidden = true;
    asked = null;
  });
  confirm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const why = reason.value.trim();
    if (!asked || !why) return;
    const ok = await act('/api/gate', { ...asked, reason: why }, byId('gate-confirm-go'));
    if (ok) {
      confirm.hidden = true;
      reason.value = '';
      asked = null;
    }
  });
}
