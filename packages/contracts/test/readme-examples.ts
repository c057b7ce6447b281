import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const README = join(import.meta.dirname, '..', '..', '..', 'README.md');

/** The JSON of every `redis-cli ... XADD ... intent '<json>'` line in the README. */
export function readmeXaddIntents(): string[] {
  const text = readFileSync(README, 'utf8');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const match = /redis-cli\b.*\bXADD\s+'([^']+)'\s+'\*'\s+intent\s+'(.+)'\s*$/.exec(line);
    if (match?.[2]) out.push(match[2]);
  }
  return out;
}

/** The stream key of each README XADD line, in the same order. */
export function readmeXaddStreams(): string[] {
  const text = readFileSync(README, 'utf8');
  return [...text.matchAll(/redis-cli\b.*\bXADD\s+'([^']+)'\s+'\*'\s+intent\s+'.+'/g)].map(
    (m) => m[1] as string,
  );
}
