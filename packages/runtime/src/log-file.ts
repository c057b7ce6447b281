import { fstatSync, statSync } from 'node:fs';
import { type DestinationStream, pino } from 'pino';

/** How often the log's path is compared with the open file, to notice a rotation. */
const CHECK_EVERY_MS = 10_000;

/**
 * A log file that follows rotation. newsyslog (macOS) and logrotate rename the file and start
 * a new one; a process that keeps its descriptor would write into the renamed file forever.
 * Every few seconds the path is compared with what is open (device and inode), and the file
 * is reopened when they differ or the path is gone, as `tail -F` does. No signal or pid file
 * is needed, so the same rotation config works under launchd and systemd.
 */
export function rotatingLogFile(path: string, everyMs = CHECK_EVERY_MS): DestinationStream {
  // Synchronous writes: the lines just before a crash are the ones most worth keeping, and
  // most intents log nothing on their way through.
  const dest = pino.destination({ dest: path, append: true, mkdir: true, sync: true });
  // SonicBoom keeps its descriptor in `fd`, which its type declarations leave out.
  const fd = () => (dest as unknown as { fd: number }).fd;
  const rotated = (): boolean => {
    try {
      const onDisk = statSync(path);
      const open = fstatSync(fd());
      return onDisk.ino !== open.ino || onDisk.dev !== open.dev;
    } catch {
      // The path is gone (renamed, not yet recreated), or the file is not open yet.
      return fd() >= 0;
    }
  };
  const timer = setInterval(() => {
    if (rotated()) dest.reopen();
  }, everyMs);
  timer.unref();
  return dest;
}
