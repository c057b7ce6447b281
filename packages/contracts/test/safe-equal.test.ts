import { describe, expect, it } from 'vitest';
import { safeEqual } from '../src/safe-equal.ts';

describe('safeEqual', () => {
  it('is true only for the same string', () => {
    expect(safeEqual('Bearer s3cret-token', 'Bearer s3cret-token')).toBe(true);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('Bearer s3cret-token', 'Bearer s3cret-tokeN')).toBe(false);
    expect(safeEqual('Bearer s3cret-token', 'Bearer s3cret-token ')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
  });

  it('compares by code points, not by a lossy encoding: different lengths or accents differ', () => {
    expect(safeEqual('é', 'e\u0301')).toBe(false);
    expect(safeEqual('token', 'token'.repeat(1000))).toBe(false);
    expect(safeEqual('ünïcode-tøken', 'ünïcode-tøken')).toBe(true);
  });
});
