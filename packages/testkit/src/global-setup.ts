import type { TestProject } from 'vitest/node';
import { redisForTests } from './redis-for-tests.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** Starts (or finds) the run's Redis once; tests reach it with `inject('redisUrl')`. */
export default async function setup(project: TestProject) {
  const redis = await redisForTests();
  process.stderr.write(`[agent-ops tests] Redis from ${redis.source}: ${redis.url}\n`);
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
  };
}
