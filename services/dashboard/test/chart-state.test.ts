import { describe, expect, it } from 'vitest';
import { BUCKET_MS, CHART_WINDOW_MS, ChartState } from '../src/chart-state.ts';

describe('chart state', () => {
  const now = 1_800_000_010_000;

  it('sums every channel into buckets of the window, oldest first, with every status', () => {
    const chart = new ChartState();
    chart.countReceipt('x', now, 'succeeded');
    chart.countReceipt('email', now - 1, 'failed');
    chart.countIntents('x', now, 3);
    chart.countReceipt('x', now - 2 * BUCKET_MS, 'unknown');
    const series = chart.series(now);
    expect(series).toHaveLength(CHART_WINDOW_MS / BUCKET_MS);
    expect(series.at(-1)).toEqual({
      t: now - (now % BUCKET_MS),
      intents: 3,
      succeeded: 1,
      failed: 1,
      rejected: 0,
      unknown: 0,
    });
    expect(series.at(-3)).toMatchObject({ unknown: 1, intents: 0 });
  });

  it('forgets buckets that left the window, and is partial for one window after a skip', () => {
    const chart = new ChartState();
    chart.countReceipt('x', now - CHART_WINDOW_MS - 2 * BUCKET_MS, 'succeeded');
    chart.forgetBefore('x', now - CHART_WINDOW_MS);
    expect(chart.series(now + CHART_WINDOW_MS).every((b) => b.succeeded === 0)).toBe(true);
    expect(chart.partial(now)).toBe(false);
    chart.markPartial(now);
    expect(chart.partial(now + CHART_WINDOW_MS - 1)).toBe(true);
    expect(chart.partial(now + CHART_WINDOW_MS)).toBe(false);
  });
});
