import { chownSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';

/** Who a test's mail servers run as: the test's own user, or `nobody` when tests run as root. */
export type RunAs = { uid: number; gid: number; user: string; group: string };

function nameOf(file: string, id: number): string | null {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, , num] = line.split(':');
    if (name && Number(num) === id) return name;
  }
  return null;
}

/**
 * A server started by a test must leave no root-owned state and need no privilege: as root,
 * it runs as the unprivileged `nobody` (uid 65534), with its directory handed to that user.
 */
export function unprivilegedUser(): RunAs {
  const me = userInfo();
  const uid = me.uid === 0 ? 65_534 : me.uid;
  const gid = me.uid === 0 ? 65_534 : me.gid;
  return {
    uid,
    gid,
    user: nameOf('/etc/passwd', uid) ?? me.username,
    group: nameOf('/etc/group', gid) ?? String(gid),
  };
}

/** Hands a directory tree to `who` (a no-op unless the test runs as root). */
export function handOver(dir: string, who: RunAs): void {
  if (userInfo().uid !== 0) return;
  chownSync(dir, who.uid, who.gid);
  if (!statSync(dir).isDirectory()) return;
  for (const entry of readdirSync(dir)) handOver(join(dir, entry), who);
}
