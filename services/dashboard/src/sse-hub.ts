import type { ServerResponse } from 'node:http';
import type { Logger } from '@agent-ops/runtime/logger';
import { CATALOG } from './catalog.ts';
import type { SnapshotReader } from './snapshot.ts';
import type { LiveMessage, ReceiptFilter, ReceiptsView, Snapshot } from './views.ts';

/** One open page: its receipts filter and its response stream. */
export type SseClient = {
  filter: ReceiptFilter;
  raw: ServerResponse;
  /** When the page's session ends: the page is then told to log in again. */
  expiresAt: number;
};

/**
 * Pushes one snapshot per refresh interval to every open page (server-sent events), read
 * once and shared; receipts are read once per distinct filter. Reads only while a page is open.
 */
export class SseHub {
  private readonly clients = new Set<SseClient>();
  private readonly reader: SnapshotReader;
  private readonly refreshMs: number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private closed = false;
  private last: Snapshot | null = null;

  constructor(reader: SnapshotReader, refreshMs: number, log: Logger) {
    this.reader = reader;
    this.refreshMs = refreshMs;
    this.log = log;
  }

  add(client: SseClient): void {
    this.clients.add(client);
    this.poke();
  }

  remove(client: SseClient): void {
    this.clients.delete(client);
  }

  /** Reads and pushes now (after an action), then keeps the interval. */
  poke(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    void this.tick();
  }

  private async tick(): Promise<void> {
    this.running = true;
    try {
      if (this.clients.size > 0) await this.push();
    } finally {
      this.running = false;
      if (!this.closed) {
        if (this.again) {
          this.again = false;
          this.timer = setTimeout(() => void this.tick(), 0);
        } else if (this.clients.size > 0) {
          this.timer = setTimeout(() => void this.tick(), this.refreshMs);
        }
      }
    }
  }

  /** The snapshot, and the receipts of each filter the open pages use. On a failed read: the last data, marked. */
  private async read(): Promise<{ snapshot: LiveMessage['snapshot']; receipts: Map<string, ReceiptsView> }> {
    const receipts = new Map<string, ReceiptsView>();
    try {
      const snapshot = await this.reader.snapshot();
      for (const c of this.clients) {
        const key = JSON.stringify(c.filter);
        if (!receipts.has(key)) receipts.set(key, await this.reader.receipts(c.filter));
      }
      this.last = snapshot;
      return { snapshot, receipts };
    } catch (err) {
      this.log.warn({ err }, 'could not read Redis');
      const redis = { ok: false, error: `cannot read Redis: ${(err as Error).message}` };
      return {
        snapshot: this.last ? { ...this.last, redis } : { at: Date.now(), catalog: CATALOG, redis },
        receipts,
      };
    }
  }

  private async push(): Promise<void> {
    const { snapshot, receipts } = await this.read();
    const now = Date.now();
    for (const c of this.clients) {
      if (c.expiresAt <= now) {
        c.raw.write('event: logout\ndata: {}\n\n');
        c.raw.end();
        this.clients.delete(c);
        continue;
      }
      const message: LiveMessage = { snapshot, receipts: receipts.get(JSON.stringify(c.filter)) ?? null };
      c.raw.write(`event: snapshot\ndata: ${JSON.stringify(message)}\n\n`);
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const c of this.clients) c.raw.end();
    this.clients.clear();
  }
}
