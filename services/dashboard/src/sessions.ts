import { createHash, randomBytes } from 'node:crypto';

export type Session = { operator: string; csrf: string; expiresAt: number };

/** What the encrypted cookie holds: who, the page's CSRF token, until when. */
export type SessionData = { op: string; csrf: string; exp: number };

declare module '@fastify/secure-session' {
  interface SessionData {
    op: string;
    csrf: string;
    exp: number;
  }
}

export function newSessionData(operator: string, ttlMs: number): SessionData {
  return { op: operator, csrf: randomBytes(32).toString('base64url'), exp: Date.now() + ttlMs };
}

/**
 * The key the session cookie is encrypted and authenticated with (libsodium's secretbox, by
 * @fastify/secure-session): from DASHBOARD_SESSION_KEY, so sessions survive a restart; without
 * it a key made at start, so a restart logs everyone out (and the log says so).
 */
export function sessionKey(configured: string | undefined): { key: Buffer; persistent: boolean } {
  if (!configured) return { key: randomBytes(32), persistent: false };
  return {
    key: createHash('sha256').update(`agent-ops dashboard session\n${configured}`).digest(),
    persistent: true,
  };
}
