// @ts-check
// The page's only way to change anything: a POST the coordinator carries out, with the
// session's CSRF token, and a notice of what happened.

import { byId } from './dom.js';

const CSRF = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

/** @type {ReturnType<typeof setTimeout> | undefined} */
let noticeTimer;

/**
 * @param {string} message
 * @param {'ok' | 'error'} kind
 */
export function notice(message, kind) {
  const el = byId('notice');
  el.textContent = message;
  el.className = `notice ${kind}`;
  el.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(
    () => {
      el.hidden = true;
    },
    kind === 'error' ? 12000 : 5000,
  );
}

/**
 * Sends an action; its buttons (those of the item, form or section it is in) are disabled until answered.
 * @param {string} path
 * @param {Record<string, unknown>} body
 * @param {HTMLElement | null} button
 * @returns {Promise<boolean>} whether it was done
 */
export async function act(path, body, button) {
  const scope = button?.closest('.item, form, .gate-actions, section');
  const buttons = scope ? [...scope.querySelectorAll('button')] : [];
  for (const b of buttons) b.disabled = true;
  try {
    const res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': CSRF },
      body: JSON.stringify(body),
    });
    /** @type {{ message?: string }} */
    const json = await res.json().catch(() => ({ message: `HTTP ${res.status}` }));
    if (res.status === 401) {
      location.assign('/login');
      return false;
    }
    notice(json.message ?? (res.ok ? 'done' : `HTTP ${res.status}`), res.ok ? 'ok' : 'error');
    return res.ok;
  } catch (err) {
    notice(
      `The dashboard could not be reached: ${err instanceof Error ? err.message : String(err)}`,
      'error',
    );
    return false;
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

export const enc = encodeURIComponent;
