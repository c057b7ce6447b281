import { afterEach, inject } from 'vitest';
import { coordinatorCases } from './coordinator-cases.ts';
import { World } from './world.ts';

const url = inject('redisUrl');
const worlds: World[] = [];
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.stop()));
});

coordinatorCases(async (executorConfig = {}) => {
  const w = await new World(url).start(executorConfig);
  worlds.push(w);
  return w;
});
