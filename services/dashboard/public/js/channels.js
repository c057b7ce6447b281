// @ts-check
// Per channel: the intents stream, the executors' group and consumers, and leases in flight.

/** @typedef {import('../../src/views.ts').ChannelView} ChannelView */

import { byId, h } from './dom.js';
import { dur, num } from './format.js';

/** A consumer idle this long has likely stopped. */
const IDLE_WARN_MS = 60_000;

/**
 * @param {string} label
 * @param {string} value
 * @param {boolean} [warn]
 */
function stat(label, value, warn = false) {
  return h('div', {}, h('dt', {}, label), h('dd', { class: warn ? 'warn' : '' }, value));
}

/**
 * @param {string[]} heads
 * @param {HTMLTableRowElement[]} rows
 */
function mini(heads, rows) {
  return h(
    'table',
    { class: 'mini' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        heads.map((x) => h('th', {}, x)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

/** @param {ChannelView} c */
function channelCard(c) {
  const lag = c.group ? c.group.lag : null;
  const stats = h(
    'dl',
    { class: 'stats' },
    stat('stream length', num(c.length)),
    stat('group lag', c.group ? (lag === null ? 'unknown' : num(lag)) : 'no group', lag !== null && lag > 0),
    stat('pending', num(c.group?.pending ?? 0)),
    stat('leases', num(c.leasesTotal)),
    stat('waiting to retry', num(c.waitingRetries), c.waitingRetries > 0),
    stat('receipts', num(c.receiptsLength)),
    stat('deadletter', num(c.deadletterLength), c.deadletterLength > 0),
  );
  const consumers = c.consumers.length
    ? mini(
        ['Consumer', 'Pending', 'Idle'],
        c.consumers.map((x) =>
          h(
            'tr',
            {},
            h('td', { class: 'key' }, x.name),
            h('td', {}, num(x.pending)),
            h('td', { class: x.idleMs > IDLE_WARN_MS ? 'warn' : '' }, dur(x.idleMs)),
          ),
        ),
      )
    : h(
        'p',
        { class: 'empty' },
        c.group
          ? 'No consumer. Start an executor for this channel.'
          : 'No executor has read this stream yet. Start one: pnpm --filter ./services/<channel>-executor start',
      );
  const leases = c.leases.length
    ? mini(
        ['Lease (key)', 'Owner', 'Age'],
        c.leases.map((l) =>
          h(
            'tr',
            {},
            h('td', { class: 'key' }, l.key),
            h('td', { class: 'key' }, l.owner),
            h('td', {}, dur(l.ageMs)),
          ),
        ),
      )
    : h('p', { class: 'muted small' }, 'No lease in flight.');
  return h(
    'article',
    { class: `channel ${c.gate.open ? '' : 'closed'}` },
    h(
      'h3',
      {},
      h('span', { class: `chip ch-${c.channel}` }, c.channel),
      c.gate.open ? null : h('span', { class: 'pill pill-bad' }, 'gate closed'),
    ),
    stats,
    consumers,
    leases,
  );
}

/** @param {ChannelView[]} channels */
export function renderChannels(channels) {
  const idle = channels.filter((c) => !c.active).map((c) => c.channel);
  const parts = channels.filter((c) => c.active).map(channelCard);
  if (idle.length)
    parts.push(
      h(
        'p',
        { class: 'empty' },
        `${idle.join(', ')}: nothing written yet. Intents appear once a producer writes to ops:{channel}:intents.`,
      ),
    );
  byId('channels-list').replaceChildren(...parts);
}
