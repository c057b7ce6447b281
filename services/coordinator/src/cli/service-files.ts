import { join } from 'node:path';
import { SERVICE_NODE_FLAGS } from '@agent-ops/runtime/service-node-flags';

export const SERVICE_ROLES = {
  /** Mini #1: decides and shows; holds no write credential. */
  brain: ['coordinator', 'dashboard'],
  /** Mini #2: carries out; the only box with the secrets file. */
  hands: ['x-executor', 'email-executor', 'calendar-executor', 'webhook-executor'],
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
};

export type ServiceFile = { name: string; label: string; content: string };

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function plist(o: ServiceFileOptions, service: string, label: string): string {
  const entry = join(o.root, 'services', service, 'main.mjs');
  // launchd has no EnvironmentFile: a shell reads the file, then becomes the service (exec).
  const command = `set -a; . ${shellQuote(o.envFile)}; set +a; exec ${shellQuote(o.node)} ${SERVICE_NODE_FLAGS.join(' ')} ${shellQuote(entry)}`;
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
  <key>StandardOutPath</key>
  <string>${xml(join(o.logDir, `${service}.log`))}</string>
  <key>StandardErrorPath</key>
  <string>${xml(join(o.logDir, `${service}.log`))}</string>
</dict>
</plist>
`;
}

function unit(o: ServiceFileOptions, service: string): string {
  const entry = join(o.root, 'services', service, 'main.mjs');
  return `[Unit]
Description=agent-ops ${service}
After=network-online.target redis-server.service
Wants=network-online.target

[Service]
Type=simple
WorkingDirectory=${o.root}
EnvironmentFile=${o.envFile}
ExecStart=${o.node} ${SERVICE_NODE_FLAGS.join(' ')} ${entry}
Restart=always
RestartSec=2
# SIGTERM lets effects in flight finish and be receipted; a second signal forces.
KillSignal=SIGTERM
TimeoutStopSec=30
NoNewPrivileges=true
PrivateTmp=true
StandardOutput=append:${join(o.logDir, `${service}.log`)}
StandardError=append:${join(o.logDir, `${service}.log`)}

[Install]
WantedBy=default.target
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
export function activation(platform: Platform, dir: string, files: ServiceFile[], load: boolean): string[] {
  if (platform === 'launchd') {
    return files.map((f) => `launchctl ${load ? 'bootstrap' : 'bootout'} gui/$(id -u) ${join(dir, f.name)}`);
  }
  return load
    ? ['systemctl --user daemon-reload', ...files.map((f) => `systemctl --user enable --now ${f.name}`)]
    : [...files.map((f) => `systemctl --user disable --now ${f.name}`), 'systemctl --user daemon-reload'];
}
