import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT } from './exit-codes.ts';
import { rotationFile } from './log-rotation.ts';
import { UsageError } from './read-intent.ts';
import { activation, type Platform, SERVICE_ROLES, type ServiceRole, serviceFiles } from './service-files.ts';

type Flags = Record<string, string | boolean | undefined>;

const str = (flags: Flags, name: string) =>
  typeof flags[name] === 'string' ? (flags[name] as string) : undefined;

function defaultDir(platform: Platform, boot: boolean): string {
  if (boot) return platform === 'launchd' ? '/Library/LaunchDaemons' : '/etc/systemd/system';
  return platform === 'launchd'
    ? join(homedir(), 'Library', 'LaunchAgents')
    : join(homedir(), '.config', 'systemd', 'user');
}

/** Who the services run as: --user, else the person behind sudo, else whoever runs this. */
function serviceUser(flags: Flags, boot: boolean): string {
  const user = str(flags, 'user') ?? process.env.SUDO_USER ?? userInfo().username;
  // A boot-time service is started by root and switches to this user; a user's own agent or
  // unit runs as whoever loads it.
  if (boot && user === 'root')
    throw new UsageError('--user: the services must not run as root; name the user they run as');
  return user;
}

/** Writes a file, or says where it could not and how a person with sudo puts it there. */
function writeOrExplain(
  dir: string,
  name: string,
  content: string,
  fallbackDir: string,
  print: (l: string) => void,
) {
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), content, { mode: 0o644 });
    return join(dir, name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw err;
    mkdirSync(fallbackDir, { recursive: true });
    writeFileSync(join(fallbackDir, name), content, { mode: 0o644 });
    print(`note: ${dir} is not writable (${code}); wrote ${join(fallbackDir, name)}, to put in place with:`);
    print(`  sudo install -m 644 ${join(fallbackDir, name)} ${join(dir, name)}`);
    return join(fallbackDir, name);
  }
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
      'ops service install|uninstall --role brain|hands [--boot [--user U] [--group G]] [--platform launchd|systemd] [--dir DIR] [--env-file FILE] [--log-dir DIR] [--rotate-dir DIR] [--audit-file FILE]',
    );
  }
  const platform = (str(flags, 'platform') ??
    (process.platform === 'darwin' ? 'launchd' : 'systemd')) as Platform;
  if (platform !== 'launchd' && platform !== 'systemd')
    throw new UsageError('--platform: must be launchd or systemd');
  const boot = flags.boot === true;
  const user = serviceUser(flags, boot);
  const group = str(flags, 'group') ?? (platform === 'launchd' ? 'staff' : user);
  const dir = resolve(str(flags, 'dir') ?? defaultDir(platform, boot));
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
    ...(boot ? { boot: { user, ...(str(flags, 'group') ? { group } : {}) } } : {}),
  });
  const rotation = rotationFile({
    platform,
    logDir,
    services: SERVICE_ROLES[role],
    // The coordinator's default audit file is relative to its working directory, the checkout.
    auditFile: role === 'brain' ? resolve(root, str(flags, 'audit-file') ?? 'audit.jsonl') : null,
    user,
    group,
    keep: 14,
    maxSizeMb: 50,
  });
  const rotateDir = resolve(str(flags, 'rotate-dir') ?? rotation.defaultDir);
  if (verb === 'install') {
    if (!existsSync(envFile))
      print(`note: ${envFile} does not exist yet; the services read it at every start`);
    mkdirSync(dir, { recursive: true });
    mkdirSync(logDir, { recursive: true });
    for (const f of files) writeFileSync(join(dir, f.name), f.content, { mode: 0o644 });
    print(
      `wrote ${files.length} ${platform} ${boot ? `boot-time files (as ${user})` : 'files'} for the ${role} to ${dir}:`,
    );
    for (const f of files) print(`  ${f.name}`);
    const written = writeOrExplain(
      rotateDir,
      rotation.name,
      rotation.content,
      join(logDir, 'rotation'),
      print,
    );
    print(`log rotation (${platform === 'launchd' ? 'newsyslog' : 'logrotate'}): ${written}`);
  } else {
    // Only what this command wrote: a file that is not ours is left alone.
    const ours = (path: string) => existsSync(path) && readFileSync(path, 'utf8').includes('agent-ops');
    for (const f of files) if (ours(join(dir, f.name))) rmSync(join(dir, f.name));
    if (ours(join(rotateDir, rotation.name))) rmSync(join(rotateDir, rotation.name));
    print(`removed the ${role}'s ${platform} files from ${dir}; to stop them first:`);
    for (const f of files) print(`  ${f.name}`);
  }
  print('run:');
  for (const line of activation(platform, dir, files, verb === 'install', boot)) print(`  ${line}`);
  return EXIT.ok;
}
