import { spawnSync } from 'node:child_process';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { decodeIntentEntry } from '../src/codec.ts';
import { readmeXaddIntents, readmeXaddStreams } from './readme-examples.ts';

const url = inject('redisUrl');
const redis = redisClient(url);
afterAll(() => redis.quit());

describe('a producer using plain redis-cli', () => {
  it('writes the README examples in a form the contracts decode', () => {
    const prefix = testPrefix();
    const streams = readmeXaddStreams();
    const intents = readmeXaddIntents();
    expect(intents.length).toBe(streams.length);
    const { hostname, port } = new URL(url);
    for (const [i, json] of intents.entries()) {
      const stream = (streams[i] as string).replace(/^ops:/, `${prefix}:`);
      // Exactly the README's command, with the test's own key prefix.
      const cli = spawnSync('redis-cli', ['-h', hostname, '-p', port, 'XADD', stream, '*', 'intent', json], {
        encoding: 'utf8',
      });
      expect(cli.status, cli.stderr).toBe(0);
      expect(cli.stdout.trim()).toMatch(/^\d+-\d+$/);
    }
    return Promise.all(
      streams.map(async (s) => {
        const stream = s.replace(/^ops:/, `${prefix}:`);
        const channel = /\{(\w+)\}/.exec(stream)?.[1] as 'x' | 'email';
        const entries = await redis.xrange(stream, '-', '+');
        expect(entries).toHaveLength(1);
        const [, fields] = entries[0] as [string, string[]];
        const result = decodeIntentEntry(fields, { channel });
        expect(result.ok, result.ok ? '' : result.reason).toBe(true);
      }),
    );
  });
});
