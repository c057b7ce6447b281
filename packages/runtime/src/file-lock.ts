import { randomUUID } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a lock file that names no owner (another program's, a torn write) may stand before it counts as stale. */
const UNOWNED_STALE_MS = 5_000;

/**
 * Per lock path, the tail of this process's queue: one process takes a path's lock for one
 * caller at a time, so it never races itself for the file. That is also what lets a lock file
 * naming this process's pid count as stale: nobody here holds it, so it was left by an earlier
 * process that had the same pid (a container's pid 1 restarted after a SIGKILL).
 */
const queues = new Map<string, Promise<void>>();

/** Whether process `pid` on this host still runs (EPERM: it runs as someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

type Seen = { content: string; ino: number; mtimeMs: number };

/** The lock file as it is now, or null when there is none. */
function look(lockPath: string): Seen | null {
  let fd: number;
  try {
    fd = openSync(lockPath, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    return { content: readFileSync(fd, 'utf8'), ino: st.ino, mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether the holder named in the file is gone. `pid:uuid` (or a bare pid, as earlier versions
 * wrote): gone when that process no longer runs, or when it is this process (the queue above
 * means no caller here holds it). Anything else (empty, garbage) names no one we can ask, so
 * it is stale only once it has stood a few seconds: a writer of another kind may be mid-write.
 */
function stale(seen: Seen, now = Date.now()): boolean {
  const m = /^(\d+)(?::[\w-]+)?$/.exec(seen.content.trim());
  if (!m) return now - seen.mtimeMs > UNOWNED_STALE_MS;
  const pid = Number(m[1]);
  if (pid === process.pid) return true;
  return pid <= 0 || !alive(pid);
}

/**
 * Removes the lock file judged stale, and only that one: renamed aside first (atomic), then
 * checked to be the very file judged (same inode and content). If another waiter took the
 * stale one over between our look and our rename, what we moved is its fresh lock, and it is
 * put back. (Left: a third taker creating a lock in the microseconds it is aside; the put-back
 * then fails and is reported, rather than silently replacing that one.)
 */
function takeOver(lockPath: string, judged: Seen): void {
  const aside = `${lockPath}.stale.${process.pid}.${randomUUID()}`;
  try {
    renameSync(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // another waiter removed it
    throw err;
  }
  const moved = look(aside);
  if (moved && moved.ino === judged.ino && moved.content === judged.content) {
    unlinkSync(aside);
    return;
  }
  try {
    linkSync(aside, lockPath);
  } finally {
    unlinkSync(aside);
  }
}

/** Takes the lock file for `token`, waiting for a live holder up to `timeoutMs`. */
async function acquire(lockPath: string, token: string, timeoutMs: number): Promise<void> {
  // The token is written to a file of our own first and then hard-linked to the lock path,
  // which fails if the lock exists: the lock file is never there empty or half-written.
  const mine = `${lockPath}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(mine, token, { mode: 0o600, flag: 'wx' });
  try {
    const deadline = Date.now() + timeoutMs;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      try {
        linkSync(mine, lockPath);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const seen = look(lockPath);
      if (seen && stale(seen)) {
        takeOver(lockPath, seen);
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(
          `${lockPath}: held by ${JSON.stringify(seen?.content ?? '')} for over ${timeoutMs} ms; remove it if that process is gone`,
        );
      await sleep(wait);
    }
  } finally {
    unlinkSync(mine);
  }
}

/** Removes the lock file only while it still holds our token: never someone else's. */
function release(lockPath: string, token: string): void {
  const seen = look(lockPath);
  if (seen?.content !== token) return; // taken over as stale (wrongly): nothing of ours to remove
  try {
    unlinkSync(lockPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Runs `fn` while holding a lock file beside the file it guards, between the processes of one
 * host and between the callers of one process. The file holds `pid:uuid`, never a secret. A
 * holder killed with SIGKILL leaves the file behind, and the next taker sees its pid is gone.
 * Waiting for a live holder is bounded (`timeoutMs`, 30 s): a hung holder fails the caller
 * with an error naming the lock file instead of blocking it for ever.
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => T | Promise<T>,
  options: { timeoutMs?: number } = {},
): Promise<T> {
  const key = resolve(lockPath);
  const before = queues.get(key) ?? Promise.resolve();
  let done = () => {};
  const turn = new Promise<void>((r) => {
    done = r;
  });
  const tail = before.then(() => turn);
  queues.set(key, tail);
  await before;
  try {
    const token = `${process.pid}:${randomUUID()}`;
    await acquire(key, token, options.timeoutMs ?? 30_000);
    try {
      return await fn();
    } finally {
      release(key, token);
    }
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}
