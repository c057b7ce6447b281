import { join } from 'node:path';
import { conformanceSuite, fakeControls } from '@agent-ops/testkit/conformance';
import { FakeNtfy } from '@agent-ops/testkit/fake-ntfy';
import { writeSecretsFile } from '@agent-ops/testkit/processes';

conformanceSuite({
  channel: 'notify',
  entry: join(import.meta.dirname, '..', 'src', 'main.ts'),
  // ntfy keeps what it published: a takeover finds the alert in the topic, or sends it.
  takeover: 'reconciles',
  intent: (key, marker) => ({
    v: 1,
    idempotencyKey: key,
    action: 'notify.send',
    account: 'acme',
    payload: { destination: 'ops-phone', title: 'agent-ops', text: `alert ${marker}` },
  }),
  startFake: async () => {
    const fake = await new FakeNtfy({ 'ops-alerts-7f3k2q': 'tk_conformance0123456789' }).start();
    const secrets = writeSecretsFile({
      accounts: {
        acme: {
          notify: {
            destinations: {
              'ops-phone': {
                kind: 'ntfy',
                server: fake.url,
                topic: 'ops-alerts-7f3k2q',
                token: 'tk_conformance0123456789',
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
        effects: (marker) => fake.messages.filter((m) => m.message.includes(marker)).length,
        effectTimes: () => fake.calls.filter((c) => c.acted).map((c) => c.at),
        attempts: () => fake.calls.length,
        inject: (kind) => fake.inject({ kind }),
        ...fakeControls(fake),
      },
    };
  },
});
