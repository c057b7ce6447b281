import { join } from 'node:path';
import type { Cluster, Redis, Result } from 'ioredis';
import { defineLuaScripts } from './lua-loader.ts';

type ScriptArg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    opsBegin(...args: ScriptArg[]): Result<unknown[], Context>;
    opsCommit(...args: ScriptArg[]): Result<unknown[], Context>;
    opsRelease(...args: ScriptArg[]): Result<unknown[], Context>;
    opsExtend(...args: ScriptArg[]): Result<unknown[], Context>;
    opsDeadletter(...args: ScriptArg[]): Result<unknown[], Context>;
    opsMark(...args: ScriptArg[]): Result<unknown[], Context>;
    opsAccountStatus(...args: ScriptArg[]): Result<number, Context>;
  }
}

const SCRIPTS = {
  opsBegin: { file: 'begin.lua', numberOfKeys: 6 },
  opsCommit: { file: 'commit.lua', numberOfKeys: 7 },
  opsRelease: { file: 'release.lua', numberOfKeys: 4 },
  opsExtend: { file: 'extend.lua', numberOfKeys: 2 },
  opsDeadletter: { file: 'deadletter.lua', numberOfKeys: 2 },
  opsMark: { file: 'mark.lua', numberOfKeys: 2 },
  opsAccountStatus: { file: 'account-status.lua', numberOfKeys: 1 },
};

/** Defines the runtime's Lua scripts on a client once. */
export function defineScripts<T extends Redis | Cluster>(client: T): T {
  return defineLuaScripts(client, join(import.meta.dirname, 'lua'), SCRIPTS);
}
