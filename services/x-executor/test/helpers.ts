import { FakeX } from '@agent-ops/testkit/fake-x';

export const ACCOUNTS = {
  antifund: {
    appKey: 'app-key-1',
    appSecret: 'app-secret-AAAA',
    accessToken: 'tok-antifund',
    accessSecret: 'access-secret-BBBB',
  },
  personal: { oauth2AccessToken: 'oauth2-personal-CCCC' },
} as const;

export function startFakeX(
  options: { latencyMs?: number; rateLimit?: { limit: number; windowSec: number } } = {},
) {
  return new FakeX({
    users: {
      'tok-antifund': { id: '1001', username: 'antifund', name: 'Antifund' },
      'oauth2-personal-CCCC': { id: '1002', username: 'me', name: 'Me' },
    },
    ...options,
  }).start();
}

export function credentialsMap() {
  return new Map<string, (typeof ACCOUNTS)[keyof typeof ACCOUNTS]>(Object.entries(ACCOUNTS));
}

let n = 0;
export function post(key: string, text: string, account = 'antifund', extra: Record<string, unknown> = {}) {
  n += 1;
  return { v: 1, idempotencyKey: key, action: 'x.post', account, payload: { text }, meta: { n }, ...extra };
}
