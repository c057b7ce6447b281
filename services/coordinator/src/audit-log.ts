import { appendFile } from 'node:fs/promises';
import { type AuditEntry, AuditEntrySchema } from '@agent-ops/contracts/intent-record';
import { globalKeys } from '@agent-ops/contracts/keys';
import type { Cluster, Redis } from 'ioredis';

export type AuditInput = Omit<AuditEntry, 'at' | 'channel' | 'idempotencyKey' | 'reason' | 'details'> &
  Partial<Pick<AuditEntry, 'channel' | 'idempotencyKey' | 'reason' | 'details'>>;

/**
 * Every decision, with who, when and why: appended to the audit stream and mirrored to an
 * append-only JSONL file on the coordinator's disk (O_APPEND, one line per entry).
 */
export class AuditLog {
  private readonly redis: Redis | Cluster;
  private readonly stream: string;
  private readonly file: string | null;
  private readonly onAppend: (entry: AuditEntry) => void;

  constructor(
    redis: Redis | Cluster,
    prefix: string,
    file: string | null,
    onAppend: (entry: AuditEntry) => void = () => {},
  ) {
    this.onAppend = onAppend;
    this.redis = redis;
    this.stream = globalKeys(prefix).audit;
    this.file = file;
  }

  async append(input: AuditInput): Promise<AuditEntry> {
    const entry = AuditEntrySchema.parse({
      channel: null,
      idempotencyKey: null,
      reason: null,
      details: {},
      ...input,
      at: new Date().toISOString(),
    });
    const json = JSON.stringify(entry);
    await this.redis.xadd(this.stream, '*', 'audit', json);
    if (this.file) await appendFile(this.file, `${json}\n`, { flag: 'a', mode: 0o600 });
    this.onAppend(entry);
    return entry;
  }

  async recent(count: number): Promise<AuditEntry[]> {
    const entries = await this.redis.xrevrange(this.stream, '+', '-', 'COUNT', count);
    return entries.map(([, fields]) => AuditEntrySchema.parse(JSON.parse(fields[1] as string)));
  }
}
