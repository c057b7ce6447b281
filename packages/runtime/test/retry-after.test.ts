import { describe, expect, it } from 'vitest';
import { headerValue, parseRetryAfter } from '../src/retry-after.ts';

// Sun, 06 Nov 1994 08:49:37 GMT, the example date of RFC 9110 §5.6.7.
const AT = Date.UTC(1994, 10, 6, 8, 49, 37);

describe('parseRetryAfter', () => {
  it('reads delay-seconds as milliseconds from now, whatever now is', () => {
    expect(parseRetryAfter('120', AT)).toBe(120_000);
    expect(parseRetryAfter('0', AT)).toBe(0);
    expect(parseRetryAfter('007', AT)).toBe(7000);
    expect(parseRetryAfter(' 5 ', AT)).toBe(5000);
  });

  it('reads an IMF-fixdate as the time left until it', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', AT - 30_000)).toBe(30_000);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', AT)).toBe(0);
  });

  it('reads the obsolete RFC 850 form, its two-digit year as Date.parse does (1950 to 2049)', () => {
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', AT - 1000)).toBe(1000);
    const now = Date.UTC(2049, 10, 6, 8, 49, 0);
    expect(parseRetryAfter('Saturday, 06-Nov-49 08:49:37 GMT', now)).toBe(37_000);
    expect(parseRetryAfter('Monday, 06-Nov-50 08:49:37 GMT', now)).toBe(0);
  });

  it('reads the asctime form as GMT, not as local time', () => {
    const tz = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', AT - 2000)).toBe(2000);
      expect(parseRetryAfter('Wed Nov 16 08:49:37 1994', AT)).toBe(10 * 86_400_000);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('makes a date already past mean now', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', AT + 3_600_000)).toBe(0);
  });

  it('refuses negative, fractional, empty and other values, which Date.parse alone would take for days of 2001', () => {
    for (const value of ['-1', '1.5', '1e3', '+5', '', '   ', 'soon', '5 seconds', 'Infinity', 'NaN']) {
      expect(parseRetryAfter(value, AT), JSON.stringify(value)).toBeNull();
    }
  });

  it('refuses dates outside the three forms or that do not exist', () => {
    for (const value of [
      'Sun, 06 Nov 1994 08:49:37 +0000',
      '1994-11-06T08:49:37Z',
      'sun, 06 nov 1994 08:49:37 gmt',
      'Sun, 06 Foo 1994 08:49:37 GMT',
      'Sun, 32 Nov 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 25:49:37 GMT',
    ]) {
      expect(parseRetryAfter(value, AT), value).toBeNull();
    }
  });

  it('is null when there is no header, and for seconds too many to count', () => {
    expect(parseRetryAfter(null, AT)).toBeNull();
    expect(parseRetryAfter(undefined, AT)).toBeNull();
    expect(parseRetryAfter('9'.repeat(400), AT)).toBeNull();
  });
});

describe('headerValue', () => {
  it('reads fetch Headers, plain objects by lower-case name, and the first of repeats', () => {
    expect(headerValue(new Headers({ 'Retry-After': '3' }), 'retry-after')).toBe('3');
    expect(headerValue({ 'retry-after': '4' }, 'Retry-After')).toBe('4');
    expect(headerValue({ 'retry-after': ['5', '6'] }, 'retry-after')).toBe('5');
    expect(headerValue({ 'content-length': 12 }, 'content-length')).toBe('12');
  });

  it('is null when the header or the headers are missing', () => {
    expect(headerValue({}, 'retry-after')).toBeNull();
    expect(headerValue(new Headers(), 'retry-after')).toBeNull();
    expect(headerValue(undefined, 'retry-after')).toBeNull();
    expect(headerValue(null, 'retry-after')).toBeNull();
  });
});
