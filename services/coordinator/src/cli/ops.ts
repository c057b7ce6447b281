#!/usr/bin/env node
// ops: the operator's and agent's command line over the coordinator's API.
import { parseArgs } from 'node:util';
import { CHANNELS } from '@agent-ops/contracts/channels';
import { CoordinatorApiError, CoordinatorClient } from '../client.ts';
import { COMMANDS } from './commands.ts';
import { deriveKeyCommand } from './derive-key-command.ts';
import { EXIT, exitCodeOf } from './exit-codes.ts';
import { installCli } from './install-cli.ts';
import { serviceCommand } from './service-command.ts';
import { versionLine } from './version.ts';

type LocalCommand = (args: string[], flags: Flags, print: (line: string) => void) => number;
type Flags = Record<string, string | boolean | undefined>;

/** Commands that need no coordinator and no token. */
const LOCAL: Record<string, LocalCommand> = {
  service: serviceCommand,
  'install-cli': (_args, flags, print) => installCli(flags, print),
  'derive-key': (_args, flags, print) => deriveKeyCommand(flags, print),
};

const HELP = `usage: ops COMMAND [ARGS] [--url URL] [--token T] [--json]

Talks to the agent-ops coordinator.

  ops submit --file intent.json | --file - | --key K --action x.post --account A --text "..." [--not-before ISO] [--expires-at ISO] [--session-key S]
  ops derive-key --account A --action X --slug "..." [--content JSON]
  ops status KEY [--channel C]          ops list [--channel C] [--state S] [--account A] [--limit N]
  ops approvals                         ops approve KEY [--comment C]     ops reject KEY [--comment C]
  ops cancel KEY [--reason R]           ops replay KEY [--reason R]
  ops resolve KEY --done --external-id ID [--url URL] [--note N]  |  ops resolve KEY --retry [--note N]
  ops gate                              ops gate on|off --reason WHY [--scope global|${CHANNELS.join('|')}]
  ops deadletter [list] [--channel C]   ops deadletter replay CHANNEL ID [--reason R]
  ops tail [--channel C] [--once]       ops audit [--count N]              ops doctor
  ops service install|uninstall --role brain|hands [--boot [--user U]] [--platform launchd|systemd] [--dir D] [--env-file F]
  ops login x --account A [--oauth2]    ops login google --account A [--calendar] [--gmail]   (on the hands only)
  ops install-cli [--dir D] [--node PATH]   ops --version

  --url (or OPS_COORDINATOR_URL, default http://127.0.0.1:7400)   --token (or OPS_TOKEN)   --json
  exit codes: 0 ok, 1 refused, 2 bad input, 3 not found, 4 key reused, 5 unreachable, 6 not authorised`;

const STRING_OPTIONS = [
  'role',
  'platform',
  'dir',
  'env-file',
  'log-dir',
  'rotate-dir',
  'audit-file',
  'user',
  'group',
  'root',
  'node',
  'url',
  'token',
  'file',
  'key',
  'action',
  'account',
  'text',
  'payload',
  'not-before',
  'expires-at',
  'channel',
  'state',
  'limit',
  'comment',
  'reason',
  'note',
  'external-id',
  'scope',
  'count',
  'port',
  'gmail-user',
  'secrets-file',
  'session-key',
  'slug',
  'content',
];
const BOOLEAN_OPTIONS = [
  'json',
  'done',
  'retry',
  'once',
  'help',
  'boot',
  'oauth2',
  'calendar',
  'gmail',
  'version',
];
const OPTIONS: Record<string, { type: 'string' | 'boolean' }> = Object.fromEntries([
  ...STRING_OPTIONS.map((n) => [n, { type: 'string' as const }]),
  ...BOOLEAN_OPTIONS.map((n) => [n, { type: 'boolean' as const }]),
]);

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: OPTIONS,
    });
  } catch (err) {
    process.stderr.write(`ops: ${(err as Error).message}\n\n${HELP}\n`);
    return EXIT.usage;
  }
  const [name, ...args] = parsed.positionals;
  const flags = parsed.values as Flags;
  if (flags.version) {
    process.stdout.write(`${versionLine()}\n`);
    return EXIT.ok;
  }
  if (name === 'login') {
    // Credentials are obtained on the hands; the brain never loads this code (see services/accounts).
    const { loginCommand } = await import('@agent-ops/accounts/login-cli');
    return loginCommand(args, flags);
  }
  if (!name || flags.help) {
    process.stdout.write(`${HELP}\n`);
    return name || flags.help ? EXIT.ok : EXIT.usage;
  }
  const local = LOCAL[name];
  if (local) {
    try {
      return local(args, flags, (line) => process.stdout.write(`${line}\n`));
    } catch (err) {
      process.stderr.write(`ops ${name}: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`ops: unknown command "${name}"\n\n${HELP}\n`);
    return EXIT.usage;
  }
  const token = (flags.token as string | undefined) ?? process.env.OPS_TOKEN;
  if (!token) {
    process.stderr.write('ops: no token; pass --token or set OPS_TOKEN to a coordinator token\n');
    return EXIT.unauthorized;
  }
  const client = new CoordinatorClient({
    url: (flags.url as string | undefined) ?? process.env.OPS_COORDINATOR_URL ?? 'http://127.0.0.1:7400',
    token,
  });
  const out = { json: flags.json === true, print: (line: string) => process.stdout.write(`${line}\n`) };
  try {
    return await command(client, args, flags, out);
  } catch (err) {
    const code = exitCodeOf(err);
    if (out.json && err instanceof CoordinatorApiError) {
      process.stdout.write(
        `${JSON.stringify({ error: { status: err.status, code: err.code, message: err.message, issues: err.issues } })}\n`,
      );
    }
    process.stderr.write(`ops ${name}: ${(err as Error).message}\n`);
    if (err instanceof CoordinatorApiError)
      for (const i of err.issues) process.stderr.write(`  ${i.field}: ${i.message}\n`);
    return code;
  }
}

process.exitCode = await main(process.argv.slice(2));
