import { join } from 'node:path';
import type { Platform } from './service-files.ts';

export type RotationOptions = {
  platform: Platform;
  logDir: string;
  services: readonly string[];
  /** The coordinator's audit JSONL, on the brain (absolute), if it keeps one. */
  auditFile?: string | null;
  /** Owner of rotated files; newsyslog and logrotate create the new ones as this user. */
  user: string;
  group: string;
  keep: number;
  maxSizeMb: number;
};

export type RotationFile = { name: string; defaultDir: string; content: string };

/**
 * The rotation config for the services' logs and the audit file: newsyslog on macOS
 * (`/etc/newsyslog.d`), logrotate on Linux (`/etc/logrotate.d`). Both rename: each service
 * reopens its own log when it sees the rename (OPS_LOG_FILE), and the audit file is opened
 * for every line. The `.stdout.log` files are held open by launchd or systemd, so logrotate
 * truncates them in place (they are opened for append); newsyslog cannot, and they stay
 * small: only what a service prints before its logger starts, or as it dies.
 */
export function rotationFile(o: RotationOptions): RotationFile {
  const logs = o.services.map((s) => join(o.logDir, `${s}.log`));
  if (o.auditFile) logs.push(o.auditFile);
  return o.platform === 'launchd' ? newsyslog(o, logs) : logrotate(o, logs);
}

/** newsyslog.conf(5): logfilename [owner:group] mode count size when flags. */
function newsyslog(o: RotationOptions, logs: string[]): RotationFile {
  const sizeKb = o.maxSizeMb * 1024;
  // `$D0`: daily at midnight, or sooner at the size; J: bzip2 the rotated file; N: no
  // process to signal (the services notice the rename themselves).
  const lines = logs.map((path) => `${path}\t${o.user}:${o.group}\t640\t${o.keep}\t${sizeKb}\t$D0\tJN`);
  return {
    name: 'agent-ops.conf',
    defaultDir: '/etc/newsyslog.d',
    content: `# agent-ops: written by ops service install; rotates daily or at ${o.maxSizeMb} MB, keeps ${o.keep}.
# logfilename\t[owner:group]\tmode\tcount\tsize(KB)\twhen\tflags
${lines.join('\n')}
`,
  };
}

/** logrotate(8). */
function logrotate(o: RotationOptions, logs: string[]): RotationFile {
  const common = `  daily
  maxsize ${o.maxSizeMb}M
  rotate ${o.keep}
  missingok
  notifempty
  compress
  delaycompress
  su ${o.user} ${o.group}`;
  return {
    name: 'agent-ops',
    defaultDir: '/etc/logrotate.d',
    content: `# agent-ops: written by ops service install; rotates daily or at ${o.maxSizeMb} MB, keeps ${o.keep}.
# Renamed: each service reopens its log when it notices (OPS_LOG_FILE); the audit file is
# opened for every line.
${logs.join(' ')} {
${common}
  create 0640 ${o.user} ${o.group}
}

# Held open by systemd (append mode): truncated in place.
${join(o.logDir, '*.stdout.log')} {
${common}
  copytruncate
}
`,
  };
}
