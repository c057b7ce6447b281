// @ts-check
// Building the page safely: every string that comes from Redis goes into the page as text
// (text nodes, textContent, attribute values set one by one), never as HTML.

/** @typedef {string | number | boolean | null | undefined} AttrValue */
/** @typedef {Node | string | number | null | undefined | false} Child */

const SVG = 'http://www.w3.org/2000/svg';

/**
 * An element the page's HTML must have; a missing one is a bug, said at once.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el;
}

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T; name: string }} type
 * @returns {T}
 */
export function byIdAs(id, type) {
  const el = byId(id);
  if (!(el instanceof type)) throw new Error(`#${id} is not a ${type.name}`);
  return el;
}

/**
 * An element with attributes (set one by one, never `on*` or `style`) and text or element children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, AttrValue> | null} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') || name === 'style') throw new Error(`refused attribute ${name}`);
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * A table cell with a label, so a phone can show the table as stacked cards.
 * @param {Record<string, AttrValue>} attrs
 * @param {...(Child | Child[])} children
 */
export function td(attrs, ...children) {
  return h('td', attrs, h('div', { class: 'cv' }, ...children));
}

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @returns {SVGElement}
 */
export function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs ?? {})) el.setAttribute(name, String(value));
  return el;
}

/**
 * Only http(s) links become hrefs.
 * @param {string | null} url
 * @returns {string | null}
 */
export function safeHref(url) {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * Replaces a select's options after its first (the "all" or fixed one) when the values changed,
 * keeping what a person selected.
 * @param {HTMLSelectElement} select
 * @param {readonly string[]} values
 */
export function setOptions(select, values) {
  const current = [...select.options].slice(1).map((o) => o.value);
  if (JSON.stringify(current) === JSON.stringify(values)) return;
  const selected = select.value;
  const first = select.options[0];
  select.replaceChildren(...(first ? [first] : []), ...values.map((v) => h('option', { value: v }, v)));
  // A selected value no longer offered stays selectable, so the filter in use does not change underneath.
  if (selected !== first?.value && !values.includes(selected))
    select.append(h('option', { value: selected }, selected));
  select.value = selected;
}
