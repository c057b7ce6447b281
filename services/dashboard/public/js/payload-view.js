// @ts-check
// An intent's payload as text, for any action: the page knows no channel's fields. A `text`
// field is what a person reads (a post, a mail's body) and is quoted; every other field is a
// labelled line; the whole payload is there as JSON too.

/** @typedef {import('../../src/views.ts').RecordView} RecordView */

import { h } from './dom.js';
import { num } from './format.js';

/** Longer strings are cut in the labelled lines; the JSON below has them whole. */
const LINE_CHARS = 300;
const NESTED_CHARS = 40;

/**
 * `inReplyToPostId` reads "In reply to post id".
 * @param {string} name
 */
function labelOf(name) {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** @param {string} s @param {number} max */
function cut(s, max) {
  return s.length > max ? `${s.slice(0, max)}… (${num(s.length)} characters)` : s;
}

/**
 * One line for a value: lists of words joined, anything nested as compact JSON with long strings
 * (an attachment's base64) cut short.
 * @param {unknown} value
 */
function lineOf(value) {
  if (typeof value === 'string') return cut(value, LINE_CHARS);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number'))
    return cut(value.join(', '), LINE_CHARS);
  if (typeof value !== 'object' || value === null) return String(value);
  const json = JSON.stringify(value, (_k, v) => (typeof v === 'string' ? cut(v, NESTED_CHARS) : v));
  return cut(json, LINE_CHARS);
}

/** @param {unknown} value */
function isEmpty(value) {
  return (
    value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)
  );
}

/**
 * @param {string} label
 * @param {string} value
 */
function field(label, value) {
  return h('div', { class: 'kv' }, h('span', { class: 'k' }, label), h('span', { class: 'v' }, value));
}

/** @param {unknown} payload */
export function renderPayload(payload) {
  const p = payload && typeof payload === 'object' ? /** @type {Record<string, unknown>} */ (payload) : {};
  /** @type {HTMLElement[]} */
  const parts = [];
  for (const [name, value] of Object.entries(p)) {
    if (isEmpty(value)) continue;
    if (name === 'text' && typeof value === 'string') {
      parts.push(h('blockquote', { class: 'post-text' }, value));
      parts.push(h('p', { class: 'muted small' }, `${num([...value].length)} characters`));
    } else {
      parts.push(field(labelOf(name), lineOf(value)));
    }
  }
  parts.push(
    h(
      'details',
      { class: 'raw' },
      h('summary', {}, 'Full payload (JSON)'),
      h('pre', {}, JSON.stringify(payload, null, 2)),
    ),
  );
  return h('div', { class: 'payload' }, parts);
}

/**
 * @param {string} channel
 * @param {string} key
 * @param {string} what
 * @param {...Node} more
 */
export function itemHead(channel, key, what, ...more) {
  return h(
    'div',
    { class: 'item-head' },
    h('span', { class: `chip ch-${channel}` }, channel),
    h('strong', { class: 'key' }, key),
    h('span', { class: 'muted' }, what),
    ...more,
  );
}

/** @param {RecordView} r */
export function recordHead(r) {
  return itemHead(r.channel, r.key, `${r.action} · ${r.account}`);
}
