import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether process `pid` on this host still runs (EPERM: it runs as someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryTake(lockPath: string): boolean {
  try {
    const fd = openSync(lockPath, 'wx', 0o600);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // Held: by a live process, wait; by one that died (SIGKILL leaves the file), take it over.
  let owner = Number.NaN;
  try {
    owner = Number(readFileSync(lockPath, 'utf8'));
  } catch {
    return false;
  }
  if (Number.isInteger(owner) && owner > 0 && alive(owner)) return false;
  try {
    unlinkSync(lockPath);
  } catch {
    // Another waiter removed it first; both then race for the O_EXCL create again.
  }
  return false;
}

/**
 * Runs `fn` while holding a lock file beside the file it guards, between the processes of one
 * host. The file holds only the owner's pid, never a secret. A holder killed with SIGKILL
 * leaves the file behind, and the next taker sees its pid is gone.
 */
export async function withFileLock<T>(lockPath: string, fn: () => T | Promise<T>): Promise<T> {
  for (let wait = 2; !tryTake(lockPath); wait = Math.min(wait * 2, 50)) await sleep(wait);
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(lockPath);
    } catch {
      // Removed as stale by someone who thought we were gone: nothing of ours to clean up.
    }
  }
}
