import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { actionsOf, type Channel, isChannel, RATE_LIMIT_GROUPS } from '@agent-ops/contracts/channels';
import type { ChannelAdapter } from '@agent-ops/runtime/adapter';
import { describe, expect, it } from 'vitest';

const services = join(import.meta.dirname, '..', '..', 'services');
/** Every `services/<channel>-executor` with its `src/<channel>-adapter.ts`, found by name so a new one needs no entry here. */
const executors = readdirSync(services)
  .map((dir) => /^(.+)-executor$/.exec(dir)?.[1])
  .filter((c): c is Channel => c !== undefined && isChannel(c))
  .map((channel) => ({
    channel,
    file: join(services, `${channel}-executor`, 'src', `${channel}-adapter.ts`),
  }));

describe('rate-limit groups', () => {
  it('finds every executor', () => {
    expect(executors.length).toBeGreaterThanOrEqual(4);
    for (const e of executors) expect(existsSync(e.file), e.file).toBe(true);
  });

  // The dashboard shows the budgets of the contracts' groups: an adapter that meters by another group would spend a budget nobody sees.
  it.each(executors)(
    'the $channel adapter meters each action in the group the contracts name',
    async ({ channel, file }) => {
      const module = (await import(file)) as Record<string, unknown>;
      const adapter = Object.values(module).find(
        (v): v is { prototype: ChannelAdapter } =>
          typeof v === 'function' &&
          typeof (v.prototype as Partial<ChannelAdapter>).rateLimitGroup === 'function',
      );
      expect(adapter, `${file} exports a ChannelAdapter class`).toBeDefined();
      for (const action of actionsOf(channel))
        expect(adapter?.prototype.rateLimitGroup(action), action).toBe(RATE_LIMIT_GROUPS[action]);
    },
  );
});
