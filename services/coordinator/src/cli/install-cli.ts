import { chmodSync, existsSync, lstatSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Flags } from './commands.ts';
import { EXIT } from './exit-codes.ts';
import { UsageError } from './read-intent.ts';

const OPS_ENTRY = resolve(import.meta.dirname, '..', '..', 'ops.mjs');
const MCP_ENTRY = resolve(import.meta.dirname, '..', '..', '..', 'mcp-server', 'main.mjs');

/** What install-cli writes: the CLI, and the MCP server for an MCP client's `command`. */
const WRAPPERS = [
  { name: 'ops', entry: OPS_ENTRY },
  { name: 'agent-ops-mcp', entry: MCP_ENTRY },
] as const;
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A wrapper: a shell script that runs one of this checkout's entries on one Node named by
 * absolute path. OpenClaw's `exec` puts the system directories first on PATH, so a symlink
 * to ops.mjs (`#!/usr/bin/env node`) would run on whatever `node` comes first there, often
 * one too old to load TypeScript; an MCP entry whose command is `node` has the same problem.
 */
export function opsWrapper(node: string, entry: string): string {
  return [
    '#!/bin/sh',
    '# Written by `ops install-cli`: agent-ops on the Node it names, whatever node PATH finds first.',
    `exec ${shellQuote(node)} ${shellQuote(entry)} "$@"`,
    '',
  ].join('\n');
}

/**
 * `ops install-cli [--dir DIR] [--node PATH]`: writes DIR/ops and DIR/agent-ops-mcp (default
 * ~/.local/bin), each replacing an earlier wrapper or symlink by an atomic rename. The Node
 * is the one running this command unless --node names another.
 */
export function installCli(flags: Flags, print: (line: string) => void): number {
  const dirFlag = typeof flags.dir === 'string' ? flags.dir : undefined;
  const nodeFlag = typeof flags.node === 'string' ? flags.node : undefined;
  const dir = resolve(dirFlag ?? join(homedir(), '.local', 'bin'));
  const node = resolve(nodeFlag ?? process.execPath);
  if (!existsSync(node)) throw new UsageError(`--node: ${node} does not exist`);
  mkdirSync(dir, { recursive: true });
  for (const { name, entry } of WRAPPERS) {
    const target = join(dir, name);
    // rename() over a symlink replaces the link itself, never the file it points to.
    if (existsSync(target) && lstatSync(target).isDirectory())
      throw new UsageError(`--dir: ${target} is a directory`);
    const tmp = join(dir, `.${name}.${process.pid}.tmp`);
    writeFileSync(tmp, opsWrapper(node, entry), { mode: 0o755 });
    chmodSync(tmp, 0o755);
    renameSync(tmp, target);
    print(`installed ${target} (runs ${entry} on ${node})`);
  }
  if (!(process.env.PATH ?? '').split(':').includes(dir)) print(`note: ${dir} is not on PATH`);
  return EXIT.ok;
}
