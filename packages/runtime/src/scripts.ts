import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis, Result } from 'ioredis';

type ScriptArg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    opsBegin(...args: ScriptArg[]): Result<unknown[], Context>;
    opsCommit(...args: ScriptArg[]): Result<unknown[], Context>;
    opsRelease(...args: ScriptArg[]): Result<unknown[], Context>;
    opsExtend(...args: ScriptArg[]): Result<unknown[], Context>;
    opsDeadletter(...args: ScriptArg[]): Result<unknown[], Context>;
  }
}

const SCRIPTS = {
  opsBegin: { file: 'begin.lua', numberOfKeys: 5 },
  opsCommit: { file: 'commit.lua', numberOfKeys: 6 },
  opsRelease: { file: 'release.lua', numberOfKeys: 4 },
  opsExtend: { file: 'extend.lua', numberOfKeys: 2 },
  opsDeadletter: { file: 'deadletter.lua', numberOfKeys: 2 },
} as const;

const loaded = new WeakSet<Redis | Cluster>();
const sources = new Map<string, string>();

function source(file: string): string {
  let lua = sources.get(file);
  if (lua === undefined) {
    lua = readFileSync(join(import.meta.dirname, 'lua', file), 'utf8');
    sources.set(file, lua);
  }
  return lua;
}

/** Defines the runtime's Lua scripts on a client once (EVALSHA, with EVAL on NOSCRIPT). */
export function defineScripts<T extends Redis | Cluster>(client: T): T {
  if (loaded.has(client)) return client;
  for (const [name, { file, numberOfKeys }] of Object.entries(SCRIPTS)) {
    client.defineCommand(name, { lua: source(file), numberOfKeys });
  }
  loaded.add(client);
  return client;
}
