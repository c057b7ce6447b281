import type { Intent } from '../packages/contracts/src/intent.ts';
import type { ChannelAdapter, EffectResult, ReconcileResult } from '../packages/runtime/src/adapter.ts';

/** A zero-latency in-process adapter for channel x: the pipeline's own cost, nothing else. */
export class NullAdapter implements ChannelAdapter {
  readonly channel = 'x' as const;
  performed = 0;

  hasAccount(): boolean {
    return true;
  }

  rateLimitGroup(): string {
    return 'post';
  }

  perform(intent: Intent): Promise<EffectResult> {
    this.performed += 1;
    return Promise.resolve({ externalId: `null-${intent.idempotencyKey}`, url: null });
  }

  reconcile(): Promise<ReconcileResult> {
    return Promise.resolve({ outcome: 'not_done' });
  }

  secretValues(): readonly string[] {
    return [];
  }
}
