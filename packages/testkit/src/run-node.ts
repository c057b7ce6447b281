import { spawn } from 'node:child_process';

export type NodeRun = { code: number | null; stdout: string; stderr: string; output: string };

/** Runs a .ts entry with this Node to its end, as a user would, and collects what it printed. */
export function runNode(
  entry: string,
  args: string[] = [],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<NodeRun> {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    output += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    output += c.toString();
  });
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr, output })));
}
