import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { envBoolean, envInt, fromEnv } from '../src/env.ts';
import { ConfigError } from '../src/errors.ts';

function failure(run: () => unknown): Error {
  try {
    run();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('fromEnv', () => {
  const schema = z.object({
    OPS_LEASE_TTL_MS: envInt(z.int().min(1000)).default(30_000),
    OPS_PORT: envInt(z.int().min(0).max(65_535)).optional(),
    OPS_PIPELINING: envBoolean().default(true),
    OPS_NAME: z.string().default('ops'),
  });

  it('parses the variables it is keyed by, with defaults, and ignores the rest', () => {
    expect(fromEnv(schema, { OPS_LEASE_TTL_MS: '2000', OPS_PIPELINING: '0', PATH: '/bin' })).toEqual({
      OPS_LEASE_TTL_MS: 2000,
      OPS_PIPELINING: false,
      OPS_NAME: 'ops',
    });
    expect(fromEnv(schema, { OPS_PORT: ' 0 ', OPS_PIPELINING: 'true' })).toMatchObject({
      OPS_PORT: 0,
      OPS_PIPELINING: true,
    });
  });

  it('counts an empty variable as not set', () => {
    expect(fromEnv(schema, { OPS_LEASE_TTL_MS: '', OPS_PORT: '', OPS_NAME: '' })).toEqual({
      OPS_LEASE_TTL_MS: 30_000,
      OPS_PIPELINING: true,
      OPS_NAME: 'ops',
    });
  });

  it('names every bad variable in one ConfigError, with what was expected and what it got', () => {
    const err = failure(() =>
      fromEnv(schema, { OPS_LEASE_TTL_MS: 'abc', OPS_PORT: '70000', OPS_PIPELINING: 'yes' }),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      'OPS_LEASE_TTL_MS: expected an integer >= 1000, got "abc"; ' +
        'OPS_PORT: expected an integer from 0 to 65535, got "70000"; ' +
        'OPS_PIPELINING: expected 1 or 0 (or true or false), got "yes"',
    );
  });

  it('refuses what Number() would let through: fractions, exponents, hex, too-large integers', () => {
    for (const raw of ['1500.5', '1e4', '0x7d0', '99999999999999999999', '12abc']) {
      expect(() => fromEnv(schema, { OPS_LEASE_TTL_MS: raw })).toThrow(
        /OPS_LEASE_TTL_MS: expected an integer/,
      );
    }
    expect(() => fromEnv(schema, { OPS_PIPELINING: 'constructor' })).toThrow(/OPS_PIPELINING: expected 1/);
  });

  it('says "not set" for a missing required variable, or the schema\'s own message', () => {
    const required = z.object({
      OPS_TOKEN: z.string(),
      OPS_CONFIG: z.string({ error: 'not set; point it at the JSON config' }),
    });
    expect(failure(() => fromEnv(required, {})).message).toBe(
      'OPS_TOKEN: not set; OPS_CONFIG: not set; point it at the JSON config',
    );
  });

  it('never echoes the value of a variable whose name looks secret, nor a URL with credentials', () => {
    const secrets = z.object({
      MCP_HTTP_TOKEN: z.string().min(24),
      APP_SECRET: z.string().min(24),
      DB_PASSWORD: z.string().min(24),
      API_KEY: z.string().min(24),
      REDIS_URL: z.url({ protocol: /^rediss?$/ }),
    });
    const message = failure(() =>
      fromEnv(secrets, {
        MCP_HTTP_TOKEN: 'tok-hunter2',
        APP_SECRET: 'sec-hunter2',
        DB_PASSWORD: 'pw-hunter2',
        API_KEY: 'key-hunter2',
        REDIS_URL: 'http://:pw-hunter2@redis:6379',
      }),
    ).message;
    for (const name of ['MCP_HTTP_TOKEN', 'APP_SECRET', 'DB_PASSWORD', 'API_KEY', 'REDIS_URL']) {
      expect(message).toContain(`${name}: `);
    }
    expect(message).not.toMatch(/hunter2|got/);
  });

  it('shortens a long value it shows', () => {
    const message = failure(() => fromEnv(schema, { OPS_NAME: 'x', OPS_PORT: '9'.repeat(500) })).message;
    expect(message).toContain(`got "${'9'.repeat(80)}…"`);
    expect(message.length).toBeLessThan(200);
  });
});

describe('envInt', () => {
  it('states the bounds of the schema it is given', () => {
    const messages = [z.int(), z.int().min(1), z.int().max(9), z.int().min(1).max(9)].map(
      (bounds) => failure(() => fromEnv(z.object({ N: envInt(bounds) }), { N: 'x' })).message,
    );
    expect(messages).toEqual([
      'N: expected an integer, got "x"',
      'N: expected an integer >= 1, got "x"',
      'N: expected an integer <= 9, got "x"',
      'N: expected an integer from 1 to 9, got "x"',
    ]);
    expect(fromEnv(z.object({ N: envInt() }), { N: '-12' })).toEqual({ N: -12 });
  });
});
