import { NonRetryableError } from '@agent-ops/contracts/errors';
import type { ChannelIntent } from '@agent-ops/contracts/intent';
import type { ChannelAdapter, EffectResult, ReconcileResult } from '@agent-ops/runtime/adapter';
import { callEndpoint } from './webhook-call.ts';
import type { Endpoint } from './webhook-secrets.ts';

type WebhookIntent = ChannelIntent<'webhook'>;

/**
 * Deploy hooks and other webhooks. An intent names an endpoint configured in the
 * executor's secrets, never a URL, so a producer cannot make the executor call anywhere.
 */
export class WebhookAdapter implements ChannelAdapter<'webhook'> {
  readonly channel = 'webhook' as const;
  private readonly endpoints: Map<string, Map<string, Endpoint>>;

  constructor(endpoints: Map<string, Map<string, Endpoint>>) {
    this.endpoints = endpoints;
  }

  hasAccount(account: string): boolean {
    return this.endpoints.has(account);
  }

  rateLimitGroup(): string {
    return 'call';
  }

  refuse(intent: WebhookIntent): { code: string; message: string } | null {
    if (this.endpoints.get(intent.account)?.has(intent.payload.endpoint)) return null;
    return {
      code: 'unknown_endpoint',
      message: `payload.endpoint: ${intent.payload.endpoint} is not configured for account ${intent.account}`,
    };
  }

  /** URLs of deploy hooks often carry a token, so they are scrubbed like the HMAC secrets and headers. */
  secretValues(): readonly string[] {
    const out: string[] = [];
    for (const endpoints of this.endpoints.values()) {
      for (const e of endpoints.values()) {
        out.push(e.url, ...Object.values(e.headers));
        if (e.hmacSecret) out.push(e.hmacSecret);
      }
    }
    return out;
  }

  async perform(intent: WebhookIntent): Promise<EffectResult> {
    const name = intent.payload.endpoint;
    const endpoint = this.endpoints.get(intent.account)?.get(name);
    if (!endpoint) throw new NonRetryableError(`endpoint ${name} is not configured`, 'unknown_endpoint');
    const result = await callEndpoint(endpoint, name, intent.idempotencyKey, intent.payload.body);
    return { externalId: result.requestId ?? `${name}:${intent.idempotencyKey}`, url: null };
  }

  /** The receiver dedupes by Idempotency-Key, so calling again with the same key is the reconcile. */
  async reconcile(): Promise<ReconcileResult> {
    return { outcome: 'not_done' };
  }
}
