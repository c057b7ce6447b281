// @ts-check
// Keyed lists: an unchanged item keeps its DOM (and what a person typed into it).

import { byId, h } from './dom.js';
import { num } from './format.js';

/**
 * @param {Element} root
 * @returns {Array<HTMLInputElement | HTMLTextAreaElement>}
 */
function inputsOf(root) {
  return [...root.querySelectorAll('input, textarea')].filter(
    (el) => el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement,
  );
}

/**
 * Keeps what was typed (and the focus) when an item's data changed underneath.
 * @param {Element} prev
 * @param {Element} next
 */
function keepTyped(prev, next) {
  const twins = inputsOf(next);
  for (const input of inputsOf(prev)) {
    const twin = input.name ? twins.find((t) => t.name === input.name) : undefined;
    if (twin && input.value) twin.value = input.value;
    if (twin && document.activeElement === input) queueMicrotask(() => twin.focus());
  }
}

/**
 * @template T
 * @param {HTMLElement} container
 * @param {readonly T[]} items
 * @param {(item: T) => string} keyOf
 * @param {(item: T) => HTMLElement} build
 * @param {string} emptyText
 */
export function reconcile(container, items, keyOf, build, emptyText) {
  /** @type {Map<string, HTMLElement>} */
  const old = new Map();
  for (const el of container.children)
    if (el instanceof HTMLElement && el.dataset.key) old.set(el.dataset.key, el);
  if (items.length === 0) {
    container.replaceChildren(h('p', { class: 'empty' }, emptyText));
    return;
  }
  const next = items.map((item) => {
    const key = keyOf(item);
    const sig = JSON.stringify(item);
    const prev = old.get(key);
    if (prev && prev.dataset.sig === sig) return prev;
    const el = build(item);
    el.dataset.key = key;
    el.dataset.sig = sig;
    if (prev) keepTyped(prev, el);
    return el;
  });
  const same =
    next.length === container.children.length && next.every((el, i) => container.children[i] === el);
  if (!same) container.replaceChildren(...next);
}

/**
 * "12" or "50 of 120" beside a list's title; nothing when it is empty.
 * @param {string} id
 * @param {number} shown
 * @param {number} total
 */
export function setCount(id, shown, total) {
  byId(id).textContent = total ? (total > shown ? `${num(shown)} of ${num(total)}` : num(total)) : '';
}
