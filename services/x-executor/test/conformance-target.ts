import { join } from 'node:path';
import { type ConformanceTarget, fakeControls } from '@agent-ops/testkit/conformance';
import { FakeX } from '@agent-ops/testkit/fake-x';
import { writeSecretsFile } from '@agent-ops/testkit/processes';

/** A post X renders unlike what was sent (a t.co link, `&` and `<` escaped), so reconcile must read X's rendering. */
const textOf = (marker: string) => `${marker} & co <3 https://example.com/m/${marker}?a=1&b=2`;

/** The x-executor as the conformance suite drives it: its entry, its fake, its intents. */
export const xTarget: ConformanceTarget = {
  channel: 'x',
  entry: join(import.meta.dirname, '..', 'src', 'main.ts'),
  takeover: 'reconciles',
  intent: (key, marker) => ({
    v: 1,
    idempotencyKey: key,
    action: 'x.post',
    account: 'acme',
    payload: { text: textOf(marker) },
  }),
  startFake: async () => {
    const fake = await new FakeX({
      users: { 'tok-acme': { id: '77', username: 'acme', name: 'Acme' } },
    }).start();
    const secrets = writeSecretsFile({
      accounts: {
        acme: {
          x: { appKey: 'k', appSecret: 'app-secret', accessToken: 'tok-acme', accessSecret: 'access-secret' },
        },
      },
    });
    return {
      env: { OPS_SECRETS_FILE: secrets, X_API_BASE_URL: fake.url },
      fake: {
        effects: (marker) => fake.tweets.filter((t) => t.sourceText === textOf(marker)).length,
        effectTimes: () => fake.tweets.map((t) => t.createdAt.getTime()).sort((a, b) => a - b),
        attempts: () => fake.postCalls().length,
        inject: (kind) => fake.inject({ kind }),
        ...fakeControls(fake),
      },
    };
  },
};
