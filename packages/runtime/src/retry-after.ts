/**
 * Headers as the HTTP clients the channels use hand them over: fetch's `Headers` (and
 * gaxios 7+), or a plain object of lower-case names (Node's IncomingHttpHeaders, twitter-api-v2).
 */
export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | number | undefined>>;

/** One header's value, the first where a client kept repeats apart; null when absent. */
export function headerValue(headers: HeaderSource | null | undefined, name: string): string | null {
  if (!headers) return null;
  if (typeof headers.get === 'function') return headers.get(name);
  const value = (headers as Exclude<HeaderSource, { get(name: string): string | null }>)[name.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? null : String(first);
}

// RFC 9110 §10.2.3: Retry-After = HTTP-date / delay-seconds, and delay-seconds = 1*DIGIT.
const DELAY_SECONDS = /^\d+$/;
// RFC 9110 §5.6.7: the three forms of HTTP-date a recipient must accept, case-sensitive.
// Checking the shape first keeps Date.parse from reading "-1" or "1.5" as a day in 2001.
const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^[A-Z][a-z]{5,8}, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

function httpDate(value: string): number {
  if (IMF_FIXDATE.test(value) || RFC850_DATE.test(value)) return Date.parse(value);
  // asctime carries no zone and means GMT; Date.parse would read it as local time.
  if (ASCTIME_DATE.test(value)) return Date.parse(`${value} GMT`);
  return Number.NaN;
}

/**
 * Milliseconds to wait from `now` (epoch ms) by a Retry-After value (RFC 9110 §10.2.3):
 * delay-seconds, or an HTTP-date in any of its three forms (as Date.parse reads them; a
 * two-digit RFC 850 year is taken as 1950 to 2049). A date already past means now: 0.
 * Null for an absent or malformed value (negative, fractional, any other text), which
 * leaves the wait to the runtime's backoff.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (DELAY_SECONDS.test(text)) {
    const ms = Number(text) * 1000;
    return Number.isFinite(ms) ? ms : null;
  }
  const at = httpDate(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
