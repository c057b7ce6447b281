import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';

export type ScriptTable = Record<string, { file: string; numberOfKeys: number }>;

const sources = new Map<string, string>();
const defined = new WeakMap<Redis | Cluster, Set<string>>();

function source(path: string): string {
  let lua = sources.get(path);
  if (lua === undefined) {
    lua = readFileSync(path, 'utf8');
    sources.set(path, lua);
  }
  return lua;
}

/**
 * Defines each script of a table on a client once, from its `.lua` file (ioredis sends
 * EVALSHA, and EVAL when Redis answers NOSCRIPT, as after a restart).
 */
export function defineLuaScripts<T extends Redis | Cluster>(client: T, dir: string, table: ScriptTable): T {
  let names = defined.get(client);
  if (!names) {
    names = new Set();
    defined.set(client, names);
  }
  for (const [name, { file, numberOfKeys }] of Object.entries(table)) {
    if (names.has(name)) continue;
    client.defineCommand(name, { lua: source(join(dir, file)), numberOfKeys });
    names.add(name);
  }
  return client;
}
