import { connectRedis } from '@agent-ops/runtime/redis-connection';
import { redisTransport } from '@agent-ops/runtime/redis-transport';
import { describe, expect, it } from 'vitest';
import { transportCheck } from '../src/doctor.ts';

// Read from a client's options alone (lazyConnect: nothing is sent), as doctor reads its own.
function checkFor(url: string, env: Record<string, string> = {}) {
  const client = connectRedis(url, { lazyConnect: true }, env);
  try {
    return transportCheck(redisTransport(client));
  } finally {
    client.disconnect();
  }
}

describe('ops doctor: how the coordinator reaches Redis', () => {
  it('warns (without failing) about plain TCP to another host: passwords and intents in clear', () => {
    expect(checkFor('redis://coordinator:pw@10.0.0.2:6379')).toMatchObject({
      ok: true,
      warn: true,
      detail: expect.stringMatching(
        /^plain TCP to 10\.0\.0\.2:6379 across the network: .*in clear; use rediss:\/\//,
      ),
    });
    expect(checkFor('redis+cluster://10.0.0.2:7000,10.0.0.3:7000').warn).toBe(true);
  });

  it('plain TCP on loopback is fine; TLS says what it trusts', () => {
    const local = checkFor('redis://127.0.0.1:6379');
    expect(local).toMatchObject({ ok: true, detail: expect.stringMatching(/on this host only/) });
    expect(local.warn).toBeUndefined();
    const managed = checkFor('rediss://redis.example.com:6380');
    expect(managed).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/checked against the system's CAs$/),
    });
    expect(managed.warn).toBeUndefined();
  });
});
