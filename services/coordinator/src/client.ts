import type { Channel } from '@agent-ops/contracts/channels';
import type { FieldIssue } from '@agent-ops/contracts/field-issues';
import type { IntentInput } from '@agent-ops/contracts/intent';
import type { AuditEntry, IntentRecord, IntentState } from '@agent-ops/contracts/intent-record';
import type { Receipt } from '@agent-ops/contracts/receipt';
import type { Check } from './doctor.ts';

/** What the API answered when it refused; `status` 0 means it could not be reached. */
export class CoordinatorApiError extends Error {
  override readonly name = 'CoordinatorApiError';
  readonly status: number;
  readonly code: string;
  readonly issues: readonly FieldIssue[];

  constructor(status: number, code: string, message: string, issues: readonly FieldIssue[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

export type GateState = {
  channel: Channel;
  global: boolean;
  channelOpen: boolean;
  record: { enabled: boolean; by: string; reason: string; at: string } | null;
  globalRecord: { enabled: boolean; by: string; reason: string; at: string } | null;
};

export type ResolveBody =
  | { outcome: 'done'; externalId: string; url?: string | null; note?: string | null }
  | { outcome: 'retry'; note?: string | null };

/** A typed client of the coordinator's HTTP API. */
export class CoordinatorClient {
  private readonly url: string;
  private readonly token: string;

  constructor(options: { url: string; token: string }) {
    this.url = options.url.replace(/\/$/, '');
    this.token = options.token;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new CoordinatorApiError(
        0,
        'unreachable',
        `cannot reach the coordinator at ${this.url} (${code}); is it running?`,
      );
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new CoordinatorApiError(
        res.status,
        'bad_response',
        `the coordinator answered ${res.status} with a body that is not JSON`,
      );
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; issues?: FieldIssue[] } } | null)
        ?.error;
      throw new CoordinatorApiError(
        res.status,
        e?.code ?? 'error',
        e?.message ?? `HTTP ${res.status}`,
        e?.issues ?? [],
      );
    }
    return json as T;
  }

  private q(params: Record<string, string | number | undefined>): string {
    const entries = Object.entries(params).filter(([, v]) => v !== undefined) as Array<
      [string, string | number]
    >;
    return entries.length === 0
      ? ''
      : `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)]))}`;
  }

  private key(key: string): string {
    return encodeURIComponent(key);
  }

  submit(intent: IntentInput | Record<string, unknown>) {
    return this.call<{ created: boolean; record: IntentRecord }>('POST', '/v1/intents', intent);
  }
  get(key: string, channel?: Channel) {
    return this.call<{ record: IntentRecord }>('GET', `/v1/intents/${this.key(key)}${this.q({ channel })}`);
  }
  list(q: { channel?: Channel; state?: IntentState; account?: string; limit?: number } = {}) {
    return this.call<{ records: IntentRecord[] }>('GET', `/v1/intents${this.q(q)}`);
  }
  approvals() {
    return this.call<{ records: IntentRecord[] }>('GET', '/v1/approvals');
  }
  approve(key: string, comment?: string) {
    return this.call<{ record: IntentRecord }>('POST', `/v1/intents/${this.key(key)}/approve`, {
      comment: comment ?? null,
    });
  }
  reject(key: string, comment?: string) {
    return this.call<{ record: IntentRecord }>('POST', `/v1/intents/${this.key(key)}/reject`, {
      comment: comment ?? null,
    });
  }
  cancel(key: string, reason?: string) {
    return this.call<{ record: IntentRecord }>('POST', `/v1/intents/${this.key(key)}/cancel`, {
      reason: reason ?? null,
    });
  }
  replay(key: string, reason?: string) {
    return this.call<{ record: IntentRecord }>('POST', `/v1/intents/${this.key(key)}/replay`, {
      reason: reason ?? null,
    });
  }
  resolve(key: string, body: ResolveBody) {
    return this.call<{ record: IntentRecord }>('POST', `/v1/intents/${this.key(key)}/resolve`, body);
  }
  gates() {
    return this.call<{ gates: GateState[] }>('GET', '/v1/gate');
  }
  setGate(scope: 'global' | Channel, enabled: boolean, reason: string) {
    return this.call<{ gate: { scope: string; enabled: boolean; settled: boolean; inFlight: number } }>(
      'POST',
      '/v1/gate',
      { scope, enabled, reason },
    );
  }
  receipts(channel: Channel, after = '0-0', count = 100) {
    return this.call<{ receipts: Array<{ id: string; receipt: Receipt }> }>(
      'GET',
      `/v1/receipts${this.q({ channel, after, count })}`,
    );
  }
  deadletter(channel: Channel, count = 50) {
    return this.call<{ entries: Array<{ id: string; channel: Channel; fields: Record<string, string> }> }>(
      'GET',
      `/v1/deadletter${this.q({ channel, count })}`,
    );
  }
  replayDeadletter(channel: Channel, id: string, reason?: string) {
    return this.call<{ record: IntentRecord }>('POST', `/v1/deadletter/${channel}/${id}/replay`, {
      reason: reason ?? null,
    });
  }
  audit(count = 100) {
    return this.call<{ entries: AuditEntry[] }>('GET', `/v1/audit${this.q({ count })}`);
  }
  doctor() {
    return this.call<{ checks: Check[] }>('GET', '/v1/doctor');
  }
}
