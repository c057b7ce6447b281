// @ts-check
// Numbers, durations and times as a person reads them, relative to the server's clock.

import { h } from './dom.js';

const nf = new Intl.NumberFormat(undefined);
const nf1 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** The server's time of the last snapshot: "ago" is measured from it, not from this machine's clock. */
let serverNow = Date.now();

/** @param {number} t */
export function setServerNow(t) {
  serverNow = t;
}

/** @param {number | null | undefined} n */
export const num = (n) => (n === null || n === undefined || Number.isNaN(n) ? '–' : nf.format(n));

/** @param {number} n */
export const oneDecimal = (n) => nf1.format(n);

/** @param {number | null | undefined} ms */
export function dur(ms) {
  if (ms === null || ms === undefined) return '–';
  const sec = Math.max(0, Math.round(ms / 1000));
  if (sec < 60) return `${sec} s`;
  const min = Math.floor(sec / 60);
  if (min < 60) return sec % 60 && min < 10 ? `${min} min ${sec % 60} s` : `${min} min`;
  const hours = Math.floor(min / 60);
  if (hours < 48) return min % 60 ? `${hours} h ${min % 60} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}

/** @param {string | null} t */
export const ago = (t) => (t ? `${dur(serverNow - new Date(t).getTime())} ago` : '–');

/** @param {string} t */
export function until(t) {
  const ms = new Date(t).getTime() - serverNow;
  return ms >= 0 ? `in ${dur(ms)}` : `${dur(-ms)} ago`;
}

/** @param {string | number} t */
export function clock(t) {
  const d = new Date(t);
  const sameDay = d.toDateString() === new Date(serverNow).toDateString();
  return sameDay
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** @param {string | number} t */
export function when(t) {
  const iso = new Date(t).toISOString();
  return h('time', { datetime: iso, title: iso }, clock(t));
}
