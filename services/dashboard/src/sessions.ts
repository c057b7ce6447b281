import { randomBytes } from 'node:crypto';
import { safeEqual } from '@agent-ops/contracts/safe-equal';

export type Session = { id: string; csrf: string; expiresAt: number };

export function sameSecret(a: string, b: string): boolean {
  return safeEqual(a, b);
}

/**
 * Sessions in memory: a random id in an HttpOnly SameSite=Strict cookie, and a per-session
 * CSRF token the page sends back in a header on every action (checked here, constant time).
 * A restart logs everyone out, which is what an operator page on one box wants.
 */
export class Sessions {
  private readonly byId = new Map<string, Session>();
  private readonly ttlMs: number;

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  create(): Session {
    this.sweep();
    const session = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      expiresAt: Date.now() + this.ttlMs,
    };
    this.byId.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | null {
    if (!id) return null;
    const s = this.byId.get(id);
    if (!s) return null;
    if (s.expiresAt <= Date.now()) {
      this.byId.delete(id);
      return null;
    }
    return s;
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.byId) if (s.expiresAt <= now) this.byId.delete(id);
  }
}
