import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT } from './exit-codes.ts';
import { UsageError } from './read-intent.ts';
import { activation, type Platform, SERVICE_ROLES, type ServiceRole, serviceFiles } from './service-files.ts';

type Flags = Record<string, string | boolean | undefined>;

const str = (flags: Flags, name: string) =>
  typeof flags[name] === 'string' ? (flags[name] as string) : undefined;

function defaultDir(platform: Platform): string {
  return platform === 'launchd'
    ? join(homedir(), 'Library', 'LaunchAgents')
    : join(homedir(), '.config', 'systemd', 'user');
}

/**
 * `ops service install|uninstall --role brain|hands`: writes (or removes) the service files of
 * a role and prints the commands that load them. It needs no coordinator and no token.
 */
export function serviceCommand(args: string[], flags: Flags, print: (line: string) => void): number {
  const verb = args[0];
  const role = str(flags, 'role') as ServiceRole | undefined;
  if ((verb !== 'install' && verb !== 'uninstall') || !role || !(role in SERVICE_ROLES)) {
    throw new UsageError(
      'ops service install|uninstall --role brain|hands [--platform launchd|systemd] [--dir DIR] [--env-file FILE] [--log-dir DIR]',
    );
  }
  const platform = (str(flags, 'platform') ??
    (process.platform === 'darwin' ? 'launchd' : 'systemd')) as Platform;
  if (platform !== 'launchd' && platform !== 'systemd')
    throw new UsageError('--platform: must be launchd or systemd');
  const dir = resolve(str(flags, 'dir') ?? defaultDir(platform));
  const root = resolve(str(flags, 'root') ?? join(import.meta.dirname, '..', '..', '..', '..'));
  const envFile = resolve(str(flags, 'env-file') ?? join(root, `${role}.env`));
  const logDir = resolve(str(flags, 'log-dir') ?? join(root, 'logs'));
  const files = serviceFiles({
    role,
    platform,
    root,
    node: str(flags, 'node') ?? process.execPath,
    envFile,
    logDir,
  });
  if (verb === 'install') {
    if (!existsSync(envFile))
      print(`note: ${envFile} does not exist yet; the services read it at every start`);
    mkdirSync(dir, { recursive: true });
    mkdirSync(logDir, { recursive: true });
    for (const f of files) writeFileSync(join(dir, f.name), f.content, { mode: 0o644 });
    print(`wrote ${files.length} ${platform} files for the ${role} to ${dir}:`);
  } else {
    for (const f of files) {
      const path = join(dir, f.name);
      // Only what this command wrote: a file that is not ours is left alone.
      if (existsSync(path) && readFileSync(path, 'utf8').includes('agent-ops')) rmSync(path);
    }
    print(`removed the ${role}'s ${platform} files from ${dir}; to stop them first:`);
  }
  for (const f of files) print(`  ${f.name}`);
  print('run:');
  for (const line of activation(platform, dir, files, verb === 'install')) print(`  ${line}`);
  return EXIT.ok;
}
