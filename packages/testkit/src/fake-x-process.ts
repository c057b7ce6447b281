// Runs a FakeX in a process of its own (as the real API is remote), for benchmarks. It is the
// same FakeX, so it renders text as X does (x-render.ts). Prints `FAKE_X_URL=<url>` when
// listening; on stdin, "count" prints `POSTS=<n> TWEETS=<n>`, and "credits depleted" /
// "credits ok" switch X's pay-per-use 402 on and off (each answered with `CREDITS=<state>`).
import { FakeX } from './fake-x.ts';

const fake = await new FakeX({
  users: JSON.parse(process.env.FAKE_X_USERS ?? '{}'),
  latencyMs: Number(process.env.FAKE_X_LATENCY_MS ?? 0),
}).start();
process.stdout.write(`FAKE_X_URL=${fake.url}\n`);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  for (const line of chunk.split('\n').map((l) => l.trim())) {
    if (line === 'count')
      process.stdout.write(`POSTS=${fake.postCalls().length} TWEETS=${fake.tweets.length}\n`);
    if (line === 'credits depleted' || line === 'credits ok') {
      fake.creditsDepleted = line === 'credits depleted';
      process.stdout.write(`CREDITS=${fake.creditsDepleted ? 'depleted' : 'ok'}\n`);
    }
  }
});
process.on('SIGTERM', () => void fake.stop().then(() => process.exit(0)));
