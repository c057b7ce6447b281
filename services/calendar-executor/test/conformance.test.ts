import { join } from 'node:path';
import { conformanceSuite, fakeControls } from '@agent-ops/testkit/conformance';
import { FakeCalendar } from '@agent-ops/testkit/fake-calendar';
import { writeSecretsFile } from '@agent-ops/testkit/processes';

conformanceSuite({
  channel: 'calendar',
  entry: join(import.meta.dirname, '..', 'src', 'main.ts'),
  // The event id is derived from the key, so a takeover finds (or safely repeats) the create.
  takeover: 'reconciles',
  intent: (key, marker) => ({
    v: 1,
    idempotencyKey: key,
    action: 'calendar.create',
    account: 'acme',
    payload: {
      summary: marker,
      start: { dateTime: '2026-12-01T10:00:00Z' },
      end: { dateTime: '2026-12-01T10:30:00Z' },
    },
  }),
  startFake: async () => {
    const fake = await new FakeCalendar({ refreshTokens: { 'refresh-acme-1': 'ops@acme.example' } }).start();
    const secrets = writeSecretsFile({
      accounts: {
        acme: {
          calendar: {
            clientId: 'client-1',
            clientSecret: 'client-secret-1',
            refreshToken: 'refresh-acme-1',
            timeoutMs: 5000,
          },
        },
      },
    });
    const creates = () => fake.writeCalls().filter((c) => c.method === 'POST');
    return {
      env: {
        OPS_SECRETS_FILE: secrets,
        GOOGLE_API_ROOT_URL: fake.rootUrl,
        GOOGLE_OAUTH_TOKEN_URL: fake.tokenUrl,
      },
      fake: {
        effects: (marker) => fake.events.filter((e) => e.summary === marker).length,
        effectTimes: () => fake.events.map((e) => Date.parse(e.created)).sort((a, b) => a - b),
        attempts: () => creates().length,
        inject: (kind) => fake.inject({ kind }, { method: 'POST', path: /\/events$/ }),
        ...fakeControls(fake),
      },
    };
  },
});
