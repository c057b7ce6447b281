// Runs a FakeX in a process of its own (as the real API is remote), for benchmarks: prints
// `FAKE_X_URL=<url>` when listening and `POSTS=<n>` when asked on stdin ("count").
import { FakeX } from './fake-x.ts';

const fake = await new FakeX({
  users: JSON.parse(process.env.FAKE_X_USERS ?? '{}'),
  latencyMs: Number(process.env.FAKE_X_LATENCY_MS ?? 0),
}).start();
process.stdout.write(`FAKE_X_URL=${fake.url}\n`);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (line: string) => {
  if (line.trim() === 'count')
    process.stdout.write(`POSTS=${fake.postCalls().length} TWEETS=${fake.tweets.length}\n`);
});
process.on('SIGTERM', () => void fake.stop().then(() => process.exit(0)));
