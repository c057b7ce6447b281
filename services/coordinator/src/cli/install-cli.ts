import { chmodSync, existsSync, lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Flags } from './commands.ts';
import { EXIT } from './exit-codes.ts';
import { UsageError } from './read-intent.ts';

const OPS_ENTRY = resolve(import.meta.dirname, '..', '..', 'ops.mjs');
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The `ops` wrapper: a shell script that runs this checkout's ops.mjs on one Node named by
 * absolute path. OpenClaw's `exec` puts the system directories first on PATH, so a symlink
 * to ops.mjs (`#!/usr/bin/env node`) would run on whatever `node` comes first there, often
 * one too old to load TypeScript.
 */
export function opsWrapper(node: string, entry = OPS_ENTRY): string {
  return [
    '#!/bin/sh',
    '# Written by `ops install-cli`: agent-ops on the Node it names, whatever node PATH finds first.',
    `exec ${shellQuote(node)} ${shellQuote(entry)} "$@"`,
    '',
  ].join('\n');
}

/**
 * `ops install-cli [--dir DIR] [--node PATH]`: writes the wrapper as DIR/ops (default
 * ~/.local/bin), replacing an earlier wrapper or symlink by an atomic rename. The Node is the
 * one running this command unless --node names another.
 */
export function installCli(flags: Flags, print: (line: string) => void): number {
  const dirFlag = typeof flags.dir === 'string' ? flags.dir : undefined;
  const nodeFlag = typeof flags.node === 'string' ? flags.node : undefined;
  const dir = resolve(dirFlag ?? join(homedir(), '.local', 'bin'));
  const node = resolve(nodeFlag ?? process.execPath);
  if (!existsSync(node)) throw new UsageError(`--node: ${node} does not exist`);
  mkdirSync(dir, { recursive: true });
  const target = join(dir, 'ops');
  const tmp = join(dir, `.ops.${process.pid}.tmp`);
  writeFileSync(tmp, opsWrapper(node), { mode: 0o755 });
  chmodSync(tmp, 0o755);
  // rename() over a symlink replaces the link itself, never the file it points to.
  if (existsSync(target) && lstatSync(target).isDirectory()) {
    rmSync(tmp);
    throw new UsageError(`--dir: ${target} is a directory`);
  }
  renameSync(tmp, target);
  print(`installed ${target} (runs ${OPS_ENTRY} on ${node})`);
  if (!(process.env.PATH ?? '').split(':').includes(dir)) print(`note: ${dir} is not on PATH`);
  return EXIT.ok;
}
