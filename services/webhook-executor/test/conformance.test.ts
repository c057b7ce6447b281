import { join } from 'node:path';
import { conformanceSuite, fakeControls } from '@agent-ops/testkit/conformance';
import { FakeWebhook } from '@agent-ops/testkit/fake-webhook';
import { writeSecretsFile } from '@agent-ops/testkit/processes';

conformanceSuite({
  channel: 'webhook',
  entry: join(import.meta.dirname, '..', 'src', 'main.ts'),
  // The receiver dedupes by Idempotency-Key, so calling again after a takeover is safe.
  takeover: 'reconciles',
  intent: (key, marker) => ({
    v: 1,
    idempotencyKey: key,
    action: 'webhook.call',
    account: 'acme',
    payload: { endpoint: 'deploy', body: { marker } },
  }),
  startFake: async () => {
    const fake = await new FakeWebhook({ '/hooks/deploy': 'hmac-secret-0123456789' }).start();
    const secrets = writeSecretsFile({
      accounts: {
        acme: {
          webhook: {
            endpoints: {
              deploy: {
                url: `${fake.url}/hooks/deploy`,
                hmacSecret: 'hmac-secret-0123456789',
                timeoutMs: 5000,
              },
            },
          },
        },
      },
    });
    return {
      env: { OPS_SECRETS_FILE: secrets },
      fake: {
        effects: (marker) => fake.actedWithMarker(marker).length,
        effectTimes: () => fake.calls.filter((c) => c.acted).map((c) => c.at),
        attempts: () => fake.calls.length,
        inject: (kind) => fake.inject({ kind }),
        ...fakeControls(fake),
      },
    };
  },
});
