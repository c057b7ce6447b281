import type { Prompt } from './prompt.ts';

/** What a login talks through: lines for the person (never a secret), answers from them, the environment. */
export type LoginIo = {
  print(line: string): void;
  prompt: Prompt;
  env: Record<string, string | undefined>;
};

/** A value from the environment (empty counts as unset), else what the file held, else asked for. */
export async function valueFrom(
  io: LoginIo,
  envName: string,
  current: unknown,
  question: string,
): Promise<string> {
  const fromEnv = io.env[envName];
  if (fromEnv) return fromEnv;
  if (typeof current === 'string' && current) return current;
  // App secrets are not shown as typed; ids and keys are, so a person can check them.
  return io.prompt.ask(question, envName, envName.endsWith('SECRET'));
}

/** How long a person has to finish the browser step. */
export const BROWSER_STEP_MS = 10 * 60_000;

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: not finished within ${Math.round(ms / 60_000)} minutes`)),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
