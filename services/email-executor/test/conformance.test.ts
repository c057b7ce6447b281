import { join } from 'node:path';
import { conformanceSuite, fakeControls } from '@agent-ops/testkit/conformance';
import { FakeSmtp } from '@agent-ops/testkit/fake-smtp';
import { writeSecretsFile } from '@agent-ops/testkit/processes';

conformanceSuite({
  channel: 'email',
  entry: join(import.meta.dirname, '..', 'src', 'main.ts'),
  // SMTP cannot be asked whether a message arrived: a takeover parks the key for a person.
  takeover: 'parks',
  intent: (key, marker) => ({
    v: 1,
    idempotencyKey: key,
    action: 'email.send',
    account: 'acme',
    payload: { from: 'ops@acme.example', to: ['ada@example.com'], subject: marker, text: 'hello' },
  }),
  startFake: async () => {
    const fake = await new FakeSmtp({ users: { ops: 'smtp-password-1' } }).start();
    const secrets = writeSecretsFile({
      accounts: {
        acme: {
          email: {
            smtp: {
              host: '127.0.0.1',
              port: fake.port,
              tls: 'none',
              user: 'ops',
              password: 'smtp-password-1',
            },
            allowedFrom: ['ops@acme.example'],
            timeouts: { connectMs: 2000, socketMs: 5000 },
          },
        },
      },
    });
    return {
      env: { OPS_SECRETS_FILE: secrets },
      fake: {
        effects: (marker) => fake.messagesWithSubject(marker).length,
        effectTimes: () => fake.messages.map((m) => m.receivedAt.getTime()).sort((a, b) => a - b),
        attempts: () => fake.calls.length,
        inject: (kind) => fake.inject({ kind }),
        ...fakeControls(fake),
      },
    };
  },
});
