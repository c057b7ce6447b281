import { dirname, join } from 'node:path';
import { CHANNELS } from '@agent-ops/contracts/channels';
import { SERVICE_NODE_FLAGS } from '@agent-ops/runtime/service-node-flags';

export const SERVICE_ROLES = {
  /** Mini #1: decides and shows; holds no write credential. */
  brain: ['coordinator', 'dashboard'],
  /** Mini #2: carries out; the only box with the secrets file. */
  hands: CHANNELS.map((c) => `${c}-executor` as const),
} as const;
export type ServiceRole = keyof typeof SERVICE_ROLES;
export type Platform = 'launchd' | 'systemd';

export type ServiceFileOptions = {
  role: ServiceRole;
  platform: Platform;
  /** The checkout the services run from. */
  root: string;
  /** The Node 24 binary. */
  node: string;
  /** KEY=value lines (REDIS_URL, OPS_SECRETS_FILE, ...), read at every start. */
  envFile: string;
  logDir: string;
  /**
   * Start at boot, before anyone logs in (a LaunchDaemon or a systemd system unit), as this
   * user, never root. Without it the services are the user's (a LaunchAgent or a user unit)
   * and run only once that user has logged in: after a power cut with FileVault on, nothing
   * runs until someone types a password.
   */
  boot?: { user: string; group?: string };
};

export type ServiceFile = { name: string; label: string; content: string };

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** An optional env file of one service, beside the role's: `<dir of the role's env file>/<service>.env`. */
export const serviceEnvFileOf = (o: ServiceFileOptions, service: string) =>
  join(dirname(o.envFile), `${service}.env`);

/** The service writes its own log here (and reopens it after rotation); stdout gets only what comes before. */
export const logFileOf = (o: ServiceFileOptions, service: string) => join(o.logDir, `${service}.log`);
const stdoutFileOf = (o: ServiceFileOptions, service: string) => join(o.logDir, `${service}.stdout.log`);

function plist(o: ServiceFileOptions, service: string, label: string): string {
  const entry = join(o.root, 'services', service, 'main.mjs');
  // launchd has no EnvironmentFile: a shell reads the file, then becomes the service (exec).
  // The role's env file, then the service's own beside it if there is one (the dashboard's
  // read-only Redis user, say), whose lines win.
  const own = serviceEnvFileOf(o, service);
  const command = `set -a; . ${shellQuote(o.envFile)}; if [ -r ${shellQuote(own)} ]; then . ${shellQuote(own)}; fi; set +a; OPS_LOG_FILE=${shellQuote(logFileOf(o, service))} exec ${shellQuote(o.node)} ${SERVICE_NODE_FLAGS.join(' ')} ${shellQuote(entry)}`;
  const user = o.boot
    ? `  <key>UserName</key>
  <string>${xml(o.boot.user)}</string>
${
  o.boot.group
    ? `  <key>GroupName</key>
  <string>${xml(o.boot.group)}</string>
`
    : ''
}`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${xml(label)}</string>
  <key>ProgramArguments</key>
  <array>
    <string>/bin/sh</string>
    <string>-c</string>
    <string>${xml(command)}</string>
  </array>
  <key>WorkingDirectory</key>
  <string>${xml(o.root)}</string>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <true/>
  <key>ThrottleInterval</key>
  <integer>5</integer>
  <key>ExitTimeOut</key>
  <integer>30</integer>
${user}  <key>StandardOutPath</key>
  <string>${xml(stdoutFileOf(o, service))}</string>
  <key>StandardErrorPath</key>
  <string>${xml(stdoutFileOf(o, service))}</string>
</dict>
</plist>
`;
}

function unit(o: ServiceFileOptions, service: string): string {
  const entry = join(o.root, 'services', service, 'main.mjs');
  const user = o.boot
    ? `User=${o.boot.user}
${
  o.boot.group
    ? `Group=${o.boot.group}
`
    : ''
}`
    : '';
  return `[Unit]
Description=agent-ops ${service}
After=network-online.target redis-server.service
Wants=network-online.target

[Service]
Type=simple
${user}WorkingDirectory=${o.root}
EnvironmentFile=${o.envFile}
EnvironmentFile=-${serviceEnvFileOf(o, service)}
Environment=OPS_LOG_FILE=${logFileOf(o, service)}
ExecStart=${o.node} ${SERVICE_NODE_FLAGS.join(' ')} ${entry}
Restart=always
RestartSec=2
# SIGTERM lets effects in flight finish and be receipted; a second signal forces.
KillSignal=SIGTERM
TimeoutStopSec=30
NoNewPrivileges=true
PrivateTmp=true
StandardOutput=append:${stdoutFileOf(o, service)}
StandardError=append:${stdoutFileOf(o, service)}

[Install]
WantedBy=${o.boot ? 'multi-user.target' : 'default.target'}
`;
}

/** The launchd plists or systemd units for the services of one role. */
export function serviceFiles(o: ServiceFileOptions): ServiceFile[] {
  return SERVICE_ROLES[o.role].map((service) => {
    const label = `dev.agent-ops.${service}`;
    return o.platform === 'launchd'
      ? { name: `${label}.plist`, label, content: plist(o, service, label) }
      : { name: `agent-ops-${service}.service`, label: `agent-ops-${service}`, content: unit(o, service) };
  });
}

/** How to load (or unload) what was written, for the person to run. */
export function activation(
  platform: Platform,
  dir: string,
  files: ServiceFile[],
  load: boolean,
  boot = false,
): string[] {
  if (platform === 'launchd') {
    // A LaunchDaemon must be owned by root and not writable by others, or launchd ignores it.
    if (boot) {
      return files.flatMap((f) =>
        load
          ? [
              `sudo chown root:wheel ${join(dir, f.name)} && sudo chmod 644 ${join(dir, f.name)}`,
              `sudo launchctl bootstrap system ${join(dir, f.name)}`,
            ]
          : [`sudo launchctl bootout system/${f.label}`],
      );
    }
    return files.map((f) => `launchctl ${load ? 'bootstrap' : 'bootout'} gui/$(id -u) ${join(dir, f.name)}`);
  }
  const systemctl = boot ? 'sudo systemctl' : 'systemctl --user';
  return load
    ? [`${systemctl} daemon-reload`, ...files.map((f) => `${systemctl} enable --now ${f.name}`)]
    : [...files.map((f) => `${systemctl} disable --now ${f.name}`), `${systemctl} daemon-reload`];
}
