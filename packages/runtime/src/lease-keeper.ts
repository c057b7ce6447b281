import type { Ledger } from './ledger.ts';

export type LeaseRef = { key: string; token: string; ttlMs: number; consumer: string; intentId: string };

/**
 * Renews one lease while its effect runs. If a renewal fails past the lease's end, the
 * keeper reports the lease as lost, and the caller does not start a call it no longer owns.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private deadline: number;
  private lost = false;
  private readonly ledger: Ledger;
  private readonly lease: LeaseRef;

  constructor(ledger: Ledger, lease: LeaseRef) {
    this.ledger = ledger;
    this.lease = lease;
    this.deadline = Date.now() + lease.ttlMs;
  }

  start(): this {
    const every = Math.max(100, Math.floor(this.lease.ttlMs / 3));
    this.timer = setInterval(() => void this.renew(), every);
    this.timer.unref();
    return this;
  }

  /** True while this process may still act on the lease (by its own clock, conservatively). */
  held(): boolean {
    return !this.lost && Date.now() < this.deadline;
  }

  private async renew(): Promise<void> {
    const sent = Date.now();
    try {
      const l = this.lease;
      const expiresAt = await this.ledger.extend(l.key, l.token, l.ttlMs, l.consumer, l.intentId);
      if (expiresAt === null) this.lost = true;
      else this.deadline = sent + l.ttlMs;
    } catch {
      // Redis unreachable for a moment: the deadline stands, and held() turns false when it passes.
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
