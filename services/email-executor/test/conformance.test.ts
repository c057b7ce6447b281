import { join } from 'node:path';
import { conformanceSuite, fakeControls } from '@agent-ops/testkit/conformance';
import { FakeSmtp } from '@agent-ops/testkit/fake-smtp';
import { writeSecretsFile } from '@agent-ops/testkit/processes';

conformanceSuite({
  channel: 'email',
  entry: join(import.meta.dirname, '..', 'src', 'main.ts'),
  // An attempt killed before its final dot (the fake holds RCPT TO) left no final_dot mark: no
  // message can have been accepted, so the next owner sends it. Once the dot was written, plain
  // SMTP cannot be asked whether the server accepted it: the key is parked for a person.
  takeover: 'parks-after-effect',
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
