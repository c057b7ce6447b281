import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { waitForGreeting } from './greeting.ts';
import { handOver, unprivilegedUser } from './unprivileged.ts';

const DOVECOT = process.env.DOVECOT_BIN ?? '/usr/sbin/dovecot';

export type Dovecot = {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly dir: string;
  /** The Maildir++ folder of a user's `Sent` mailbox (marked `\Sent`): a provider files submissions here. */
  sentMaildir(user: string): string;
  /** Everything dovecot logged, for a failure message. */
  output(): string;
  stop(): Promise<void>;
};

function config(dir: string, port: number, who: ReturnType<typeof unprivilegedUser>): string {
  // Dovecot 2.3 ("rootless": every process, and every mail user, is one unprivileged user).
  return `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = /dev/stderr
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests refuse logins on purpose; dovecot's 2 s penalty per failure would only slow them.
auth_failure_delay = 0
default_internal_user = ${who.user}
default_internal_group = ${who.group}
default_login_user = ${who.user}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=${who.uid} gid=${who.gid} home=${dir}/home/%u
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  mailbox Sent {
    special_use = \\Sent
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
`;
}

/**
 * Debian's dovecot-imapd as a private IMAP server for one test file: its own config, run and
 * state directories and Maildirs under a temporary directory, on a free loopback port, without
 * TLS, run as an unprivileged user (never the system service, never root-owned state).
 * Ready when it greets.
 */
export async function startDovecot(options: { users: Record<string, string> }): Promise<Dovecot> {
  if (!existsSync(DOVECOT)) {
    throw new Error(`dovecot not found at ${DOVECOT}: apt-get install dovecot-imapd (or set DOVECOT_BIN)`);
  }
  const who = unprivilegedUser();
  const dir = mkdtempSync(join(tmpdir(), 'agent-ops-dovecot-'));
  const port = await freePort();
  const sentMaildir = (user: string) => join(dir, 'home', user, 'Maildir', '.Sent');
  for (const sub of ['run', 'state']) mkdirSync(join(dir, sub));
  for (const user of Object.keys(options.users)) {
    // Made up front so a server can file into Sent before anyone logged in.
    for (const d of ['cur', 'new', 'tmp']) {
      mkdirSync(join(dir, 'home', user, 'Maildir', d), { recursive: true });
      mkdirSync(join(sentMaildir(user), d), { recursive: true });
    }
    writeFileSync(join(sentMaildir(user), 'maildirfolder'), '');
  }
  const users = Object.entries(options.users).map(([u, p]) => `${u}:{PLAIN}${p}\n`);
  writeFileSync(join(dir, 'users'), users.join(''), { mode: 0o600 });
  writeFileSync(join(dir, 'dovecot.conf'), config(dir, port, who));
  handOver(dir, who);

  const child: ChildProcess = spawn(DOVECOT, ['-F', '-c', join(dir, 'dovecot.conf')], {
    uid: who.uid,
    gid: who.gid,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = () =>
    child.exitCode !== null || child.signalCode !== null
      ? `${child.exitCode ?? child.signalCode}: ${out.slice(-2000)}`
      : null;
  try {
    await waitForGreeting(port, /^\* OK/m, 'dovecot', gone);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    host: '127.0.0.1',
    port,
    dir,
    sentMaildir,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        // The master takes its imap and auth processes down with it on SIGTERM.
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
