import { deriveIdempotencyKey } from '@agent-ops/contracts/idempotency-key';
import type { Flags } from './commands.ts';
import { EXIT } from './exit-codes.ts';
import { UsageError } from './read-intent.ts';

/**
 * `ops derive-key --account A --action X --slug "..." [--content JSON]`: the stable key of one
 * decision, as the contracts derive it, so that the skill needs `ops` alone (no `node`).
 */
export function deriveKeyCommand(flags: Flags, print: (line: string) => void): number {
  const value = (name: string) => {
    const v = flags[name];
    if (typeof v !== 'string' || v === '') throw new UsageError(`--${name}: is required`);
    return v;
  };
  const [account, action, slug] = [value('account'), value('action'), value('slug')];
  const raw = typeof flags.content === 'string' ? flags.content : 'null';
  let content: unknown;
  try {
    content = JSON.parse(raw);
  } catch {
    throw new UsageError('--content: not valid JSON');
  }
  print(deriveIdempotencyKey({ account, action, slug, content }));
  return EXIT.ok;
}
