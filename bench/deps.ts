/**
 * The bench is not a workspace package, so bare `ioredis` / `bullmq` do not resolve from
 * bench/. Both are loaded from @agent-ops/runtime's dependencies: the very copies the
 * executor uses.
 */
import { createRequire } from 'node:module';
import type * as BullMQ from '../packages/runtime/node_modules/bullmq/dist/esm/index.js';

export { Redis } from '../packages/runtime/node_modules/ioredis/built/index.js';

const requireFromRuntime = createRequire(new URL('../packages/runtime/package.json', import.meta.url));
const bullmq = requireFromRuntime('bullmq') as typeof BullMQ;

export const Queue = bullmq.Queue;
export type Queue = BullMQ.Queue;
export const Worker = bullmq.Worker;
export type Worker = BullMQ.Worker;
export const QueueEvents = bullmq.QueueEvents;
export type QueueEvents = BullMQ.QueueEvents;
