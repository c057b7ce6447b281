import { join } from 'node:path';
import { runNode } from '@agent-ops/testkit/run-node';
import { describe, expect, it } from 'vitest';

describe('pnpm chaos, CI-sized', () => {
  it('1,000 intents across every channel, 5 SIGKILLs, a Redis restart and injected faults: no violation', async () => {
    const { code, output: out } = await runNode(join(import.meta.dirname, '..', 'chaos', 'run.ts'), [], {
      env: { CHAOS_INTENTS: '1000', CHAOS_KILLS: '5', CHAOS_DEADLINE_MS: '180000' },
    });
    expect(code, out).toBe(0);
    expect(out).toMatch(/^\| all \| 1000 \| \d+ \| \d+ \| 0 \| 0 \| \d+ \| 0 \| 0 \| 0 \| 0 \|$/m);
    expect(out).toContain('5 SIGKILLs');
    expect(out).toMatch(/secrets scan: [1-9]\d* log lines and [1-9]\d* stream entries, 0 hits/);
    expect(out).toContain('no violations');
  }, 240_000);

  it('on a 3-master Redis Cluster: 500 intents, 3 SIGKILLs, a master restart: no violation', async () => {
    const { code, output: out } = await runNode(join(import.meta.dirname, '..', 'chaos', 'run.ts'), [], {
      env: { CHAOS_CLUSTER: '1', CHAOS_INTENTS: '500', CHAOS_KILLS: '3', CHAOS_DEADLINE_MS: '180000' },
    });
    expect(code, out).toBe(0);
    expect(out).toMatch(/^\| all \| 500 \| \d+ \| \d+ \| 0 \| 0 \| \d+ \| 0 \| 0 \| 0 \| 0 \|$/m);
    expect(out).toContain('1 Redis master restart (appendfsync always), 3-master cluster');
    expect(out).toContain('no violations');
  }, 240_000);
});
