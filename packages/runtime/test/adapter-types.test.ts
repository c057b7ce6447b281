import type { ActionOf, Channel } from '@agent-ops/contracts/channels';
import { parseIntentJson } from '@agent-ops/contracts/codec';
import type { ChannelIntent, Intent } from '@agent-ops/contracts/intent';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ChannelAdapter, EffectResult } from '../src/adapter.ts';

// Checked by tsc (the repo's typecheck covers tests); vitest only runs the runtime half.
describe('adapters typed by their channel', () => {
  it("a channel's intents and actions are its own only", () => {
    expectTypeOf<ChannelIntent<'x'>['action']>().toEqualTypeOf<
      'x.post' | 'x.reply' | 'x.delete' | 'x.thread'
    >();
    expectTypeOf<ActionOf<'calendar'>>().toEqualTypeOf<
      'calendar.create' | 'calendar.update' | 'calendar.delete'
    >();
    expectTypeOf<ChannelIntent<Channel>>().toEqualTypeOf<Intent>();
    expectTypeOf<ChannelAdapter>().toEqualTypeOf<ChannelAdapter<Channel>>();
  });

  it('an adapter of one channel is refused intents of another, and stands where the runtime holds any', () => {
    const email: ChannelAdapter<'email'> = {
      channel: 'email',
      hasAccount: () => true,
      rateLimitGroup: () => 'send',
      perform: (intent): Promise<EffectResult> =>
        Promise.resolve({ externalId: intent.payload.from, url: null }),
      reconcile: () => Promise.resolve({ outcome: 'not_done' }),
      secretValues: () => [],
    };
    const held: ChannelAdapter = email;
    expect(held.channel).toBe('email');
    expectTypeOf(email.perform).parameter(0).toEqualTypeOf<ChannelIntent<'email'>>();
  });

  it('parsing for a channel yields that channel’s intent, and refuses another’s', () => {
    const json = JSON.stringify({
      v: 1,
      idempotencyKey: 'k',
      action: 'webhook.call',
      account: 'a',
      payload: { endpoint: 'deploy' },
    });
    const parsed = parseIntentJson(json, { channel: 'webhook' });
    if (!parsed.ok) throw new Error(parsed.reason);
    expectTypeOf(parsed.intent).toEqualTypeOf<ChannelIntent<'webhook'>>();
    expect(parsed.intent.payload.endpoint).toBe('deploy');
    expect(parseIntentJson(json, { channel: 'x' })).toMatchObject({ ok: false });
  });
});
