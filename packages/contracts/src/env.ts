import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { toFieldIssues } from './field-issues.ts';

/** What `process.env` looks like; tests pass a plain object. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Names whose values are credentials: an error about such a variable never repeats its value. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL/i;
// A URL with user info carries a password whatever its variable is called (redis://:pw@host).
const URL_WITH_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i;
const SHOWN_CHARS = 80;

/**
 * Reads the variables `schema` is keyed by from `env` and parses them. An empty variable
 * (`FOO=` in a unit file or compose file) counts as not set. On failure one ConfigError names
 * every bad variable and why, e.g. `OPS_LEASE_TTL_MS: expected an integer >= 1000, got "abc"`;
 * the value is shown unless the name looks secret or the value is a URL with credentials.
 */
export function fromEnv<S extends z.ZodObject>(schema: S, env: EnvSource): z.output<S> {
  const input: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) {
    const value = env[name];
    if (value !== undefined && value !== '') input[name] = value;
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const described = toFieldIssues(parsed.error);
  const lines = parsed.error.issues.map((issue, i) => {
    const { field, message } = described[i] ?? { field: '(environment)', message: issue.message };
    const name = issue.path[0];
    const raw = typeof name === 'string' ? input[name] : undefined;
    if (raw === undefined) {
      // zod's own wording for a missing key ("expected string, received undefined") says less than this.
      const missing = issue.code === 'invalid_type' && issue.message.startsWith('Invalid input:');
      return `${field}: ${missing ? 'not set' : message}`;
    }
    return `${field}: ${message}${shown(String(name), raw)}`;
  });
  throw new ConfigError(lines.join('; '));
}

function shown(name: string, raw: string): string {
  if (SECRET_NAME.test(name) || URL_WITH_CREDENTIALS.test(raw)) return '';
  const cut = raw.length > SHOWN_CHARS ? `${raw.slice(0, SHOWN_CHARS)}…` : raw;
  return `, got ${JSON.stringify(cut)}`;
}

/**
 * A decimal integer, checked against `bounds` (an int schema; a config schema's own field
 * can be passed so the variable and the file field cannot drift apart). The message states
 * the bounds rather than zod's "Too small: expected number to be >=1000".
 */
export function envInt(bounds: z.ZodNumber = z.int()) {
  const expected = expectedInteger(bounds);
  return z.string().transform((raw, ctx) => {
    const value = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (Number.isSafeInteger(value) && bounds.safeParse(value).success) return value;
    ctx.issues.push({ code: 'custom', message: expected, input: raw });
    return z.NEVER;
  });
}

function expectedInteger(bounds: z.ZodNumber): string {
  const min = bounds.minValue ?? Number.NEGATIVE_INFINITY;
  const max = bounds.maxValue ?? Number.POSITIVE_INFINITY;
  const hasMin = min > Number.MIN_SAFE_INTEGER;
  const hasMax = max < Number.MAX_SAFE_INTEGER;
  if (hasMin && hasMax) return `expected an integer from ${min} to ${max}`;
  if (hasMin) return `expected an integer >= ${min}`;
  if (hasMax) return `expected an integer <= ${max}`;
  return 'expected an integer';
}

// A Map, not an object literal: `BOOLEANS['constructor']` must not find Object's prototype.
const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['1', true],
  ['true', true],
  ['0', false],
  ['false', false],
]);

/** `1` or `true`, `0` or `false`: what the services' switches have always accepted. */
export function envBoolean() {
  return z.string().transform((raw, ctx) => {
    const value = BOOLEANS.get(raw);
    if (value !== undefined) return value;
    ctx.issues.push({ code: 'custom', message: 'expected 1 or 0 (or true or false)', input: raw });
    return z.NEVER;
  });
}

/**
 * Which proxies' forwarding headers (X-Forwarded-Proto, -Host, -For) to believe: `1`/`true`
 * means a proxy on this machine (loopback addresses: `tailscale serve`, an nginx beside the
 * service), `0`/`false` none, anything else a comma list of addresses or CIDR ranges.
 */
export function envTrustProxy() {
  return z.string().transform((raw): boolean | string[] => {
    const v = raw.trim().toLowerCase();
    if (v === '1' || v === 'true') return true;
    if (v === '0' || v === 'false') return false;
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  });
}

/** A config's `trustProxy` as Fastify takes it: `true` is loopback only, never every address. */
export function fastifyTrustProxy(value: boolean | readonly string[]): false | string[] {
  if (value === true) return ['loopback'];
  if (value === false || value.length === 0) return false;
  return [...value];
}
