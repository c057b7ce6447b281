// @ts-check
// The live stream of snapshots (server-sent events), for the receipts filter the page shows.

/** @typedef {import('../../src/views.ts').LiveMessage} LiveMessage */

import { byId, byIdAs } from './dom.js';

const FILTERS = ['channel', 'account', 'status'];
const RECONNECT_MS = 2000;

/** @type {EventSource | undefined} */
let source;

/** @param {(message: LiveMessage) => void} onMessage */
export function connect(onMessage) {
  source?.close();
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const v = byIdAs(`f-${name}`, HTMLSelectElement).value;
    if (v) params.set(name, v);
  }
  const events = new EventSource(`/events?${params}`);
  source = events;
  const live = byId('live');
  events.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'pill pill-ok';
  });
  events.addEventListener('snapshot', (ev) => {
    if (ev instanceof MessageEvent) onMessage(JSON.parse(ev.data));
  });
  events.addEventListener('logout', () => location.assign('/login'));
  events.addEventListener('error', async () => {
    live.textContent = 'reconnecting…';
    live.className = 'pill pill-wait';
    if (events.readyState === EventSource.CLOSED) {
      // Closed for good: either the session ended (then log in) or the server is away (then retry).
      const res = await fetch('/api/snapshot', { credentials: 'same-origin' }).catch(() => null);
      if (res?.status === 401) location.assign('/login');
      else setTimeout(() => connect(onMessage), RECONNECT_MS);
    }
  });
}
