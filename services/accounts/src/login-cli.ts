import { AccountName } from '@agent-ops/contracts/intent';
import { loginGoogle } from './google-login.ts';
import type { LoginIo } from './login-io.ts';
import { Prompt } from './prompt.ts';
import { loginX, X_CALLBACK_PORT } from './x-login.ts';

export const LOGIN_HELP = `usage: ops login x --account A [--oauth2 [--port ${X_CALLBACK_PORT}]]
       ops login google --account A [--calendar] [--gmail [--gmail-user ADDRESS]] [--port N]

Run on the executor host (the hands): signs an account in and writes its entry into the secrets
file (OPS_SECRETS_FILE or --secrets-file; mode 0600, atomic rename, other accounts kept), then
checks the new credentials. App credentials come from X_API_KEY/X_API_SECRET (OAuth 1.0a),
X_CLIENT_ID/X_CLIENT_SECRET (OAuth 2.0), GOOGLE_CLIENT_ID/GOOGLE_CLIENT_SECRET, or the
account's current entry, or are asked for. Nothing secret is printed.`;

type Flags = Record<string, string | boolean | undefined>;

function port(value: string | boolean | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`--port: expected 0 to 65535, got "${value}"`);
  return n;
}

/**
 * An error as a person can act on it: the message, plus what the provider said (an OAuth
 * error code and description, X's problem detail), which names no secret.
 */
function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const data =
    (err as { data?: unknown; response?: { data?: unknown } }).data ??
    (err as { response?: { data?: unknown } }).response?.data;
  if (typeof data !== 'object' || data === null) return message;
  const d = data as Record<string, unknown>;
  const said = [d.error, d.error_description, d.title, d.detail].filter((v) => typeof v === 'string');
  return said.length > 0 ? `${message} (${said.join(': ')})` : message;
}

/** `ops login ...`: returns the exit code (0 signed in and checked, 1 the login failed, 2 bad input). */
export async function loginCommand(
  args: string[],
  flags: Flags,
  io: LoginIo = { print: (l) => process.stdout.write(`${l}\n`), prompt: new Prompt(), env: process.env },
): Promise<number> {
  if (flags.help) {
    io.print(LOGIN_HELP);
    return 0;
  }
  const [provider] = args;
  const account = AccountName.safeParse(flags.account);
  const secretsFile = (flags['secrets-file'] as string | undefined) || io.env.OPS_SECRETS_FILE;
  let problem: string | null = null;
  if (provider !== 'x' && provider !== 'google') problem = 'expected x or google after ops login';
  else if (!account.success) problem = '--account: 1 to 64 characters of A-Z a-z 0-9 . _ -';
  else if (!secretsFile)
    problem = 'OPS_SECRETS_FILE: not set; point it (or --secrets-file) at the secrets file to write';
  if (problem || !account.success || !secretsFile) {
    process.stderr.write(`ops login: ${problem}\n\n${LOGIN_HELP}\n`);
    return 2;
  }
  try {
    if (provider === 'x') {
      await loginX(io, {
        account: account.data,
        secretsFile,
        apiBaseUrl: io.env.X_API_BASE_URL || 'https://api.x.com',
        oauth2: flags.oauth2 === true,
        port: port(flags.port, X_CALLBACK_PORT),
      });
    } else {
      await loginGoogle(io, {
        account: account.data,
        secretsFile,
        calendar: flags.calendar === true,
        gmail: flags.gmail === true,
        gmailUser: flags['gmail-user'] as string | undefined,
        port: port(flags.port, 0),
      });
    }
    return 0;
  } catch (err) {
    // Messages only: the libraries' error objects carry request options, headers included.
    process.stderr.write(`ops login ${provider}: ${describe(err)}\n`);
    return 1;
  } finally {
    io.prompt.close();
  }
}
