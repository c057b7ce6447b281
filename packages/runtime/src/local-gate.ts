import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { LocalGateFileSchema } from '@agent-ops/contracts/gate';
import type { Logger } from './logger.ts';

/**
 * The kill switch on the executor host itself, for when Redis cannot be written:
 * `{"enabled": false}` in the file stops new effects. A missing file means open; a file
 * that cannot be read or parsed means closed, since it was written to say something.
 */
export class LocalGate {
  private enabled = true;
  private readonly path: string | null;
  private readonly log: Logger;
  private readonly intervalMs: number;

  constructor(path: string | null, log: Logger, intervalMs = 500) {
    this.path = path;
    this.log = log;
    this.intervalMs = intervalMs;
  }

  start(): void {
    if (!this.path) return;
    this.read();
    watchFile(this.path, { interval: this.intervalMs, persistent: false }, () => this.read());
  }

  isOpen(): boolean {
    return this.enabled;
  }

  /** Reads the file now (the watcher does this on every change). */
  read(): void {
    if (!this.path) return;
    let next: boolean;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      next = (err as NodeJS.ErrnoException).code === 'ENOENT';
      if (!next) this.log.error({ err, path: this.path }, 'local gate file unreadable: gate closed');
      this.set(next);
      return;
    }
    try {
      next = LocalGateFileSchema.parse(JSON.parse(text)).enabled;
    } catch {
      this.log.error({ path: this.path }, 'local gate file is not {"enabled": true|false}: gate closed');
      next = false;
    }
    this.set(next);
  }

  private set(enabled: boolean): void {
    if (enabled !== this.enabled)
      this.log.warn({ path: this.path, enabled }, `local gate ${enabled ? 'opened' : 'closed'}`);
    this.enabled = enabled;
  }

  stop(): void {
    if (this.path) unwatchFile(this.path);
  }
}
