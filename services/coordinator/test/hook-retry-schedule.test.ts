import { describe, expect, it } from 'vitest';
import { hookAttemptTimes, nextHookDelay } from '../src/agent-hook/retry-schedule.ts';

// The defaults of agentHook: 1 s doubling to 5 min, for 24 h.
const DEFAULTS = { baseMs: 1000, maxMs: 300_000, maxAgeMs: 24 * 3_600_000 };
const MINUTE = 60_000;

describe('the retry schedule of agent reports', () => {
  for (const [name, random] of [
    ['shortest', () => 0],
    ['longest', () => 0.999_999],
    ['random', Math.random],
  ] as const) {
    it(`keeps trying through a 30-minute outage and reaches the restarted gateway within 5 minutes (${name} jitter)`, () => {
      const times = hookAttemptTimes(DEFAULTS, 40 * MINUTE, random);
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
      expect(Math.max(...gaps)).toBeLessThanOrEqual(5 * MINUTE);
      // The old budget: 8 attempts, the last about 2 minutes in. Now attempts go on past 30 min.
      expect(times.filter((t) => t > 30 * MINUTE).length).toBeGreaterThan(0);
      const firstAfterRestart = times.find((t) => t >= 30 * MINUTE) ?? Number.POSITIVE_INFINITY;
      expect(firstAfterRestart - 30 * MINUTE).toBeLessThanOrEqual(5 * MINUTE);
      expect(times.length).toBeGreaterThan(8 + 5);
    });
  }

  it('stops at maxAge: the last attempt falls on the deadline, not after it', () => {
    const times = hookAttemptTimes(DEFAULTS, Number.POSITIVE_INFINITY, () => 0.5);
    expect(times.at(-1)).toBe(DEFAULTS.maxAgeMs);
    expect(times.every((t) => t <= DEFAULTS.maxAgeMs)).toBe(true);
    // Capped at 5 minutes, 24 h gives a few hundred attempts, not an endless stream.
    expect(times.length).toBeGreaterThan(24 * 12);
    expect(times.length).toBeLessThan(24 * 12 * 2 + 20);
  });

  it("honours the gateway's Retry-After when it asks for longer than the backoff", () => {
    expect(nextHookDelay(1, 0, DEFAULTS, 90_000, () => 0)).toBe(90_000);
    expect(nextHookDelay(1, 0, DEFAULTS, 0, () => 0)).toBe(500);
    expect(nextHookDelay(30, DEFAULTS.maxAgeMs - 10, DEFAULTS, 0, () => 0)).toBe(10);
  });
});
