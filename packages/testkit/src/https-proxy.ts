import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { waitFor } from './wait.ts';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'];

export function nginxBinary(): string | null {
  return NGINX.find((p) => existsSync(p)) ?? null;
}

export type HttpsProxy = {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** The certificate (PEM) made for this proxy, for clients that check it. */
  cert: string;
  stop(): Promise<void>;
};

/**
 * A real HTTPS reverse proxy on loopback, as a person would put in front of the dashboard:
 * Debian's nginx with its own config, TLS with a certificate made for the test, and the
 * forwarding headers a proxy sets (`X-Forwarded-Proto`, `X-Forwarded-Host`, `X-Forwarded-For`),
 * plus any given. It runs in the foreground (`daemon off`) as this process's child.
 */
export async function startHttpsProxy(
  upstream: string,
  extraHeaders: Record<string, string> = {},
): Promise<HttpsProxy> {
  const binary = nginxBinary();
  if (!binary) throw new Error('nginx is not installed (apt-get install nginx; .ci/run installs it)');
  const dir = mkdtempSync(join(tmpdir(), 'https-proxy-'));
  const { cert, key } = makeCertificateWithNames(dir);
  const port = await freePort();
  const headers = Object.entries(extraHeaders)
    .map(([k, v]) => `      proxy_set_header ${k} "${v.replace(/"/g, '')}";`)
    .join('\n');
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
worker_processes 1;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    location / {
      proxy_pass ${upstream};
      proxy_http_version 1.1;
      proxy_buffering off;
      proxy_read_timeout 1h;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $remote_addr;
${headers}
    }
  }
}
`,
  );
  const child: ChildProcess = spawn(binary, ['-e', join(dir, 'error.log'), '-p', dir, '-c', conf], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pem = readFileSync(cert, 'utf8');
  const url = `https://127.0.0.1:${port}`;
  // Ready when it answers over TLS with the certificate made above.
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      return new Promise<boolean>((resolve) => {
        const req = request(`${url}/healthz`, { ca: pem, timeout: 1000 }, (res) => {
          res.resume();
          resolve(true);
        });
        req.on('error', () => resolve(false));
        req.end();
      });
    },
    'nginx to answer over TLS',
    15_000,
  );
  return {
    url,
    cert: pem,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      await exited;
    },
  };
}

/** The certificate names 127.0.0.1 and localhost, as a browser checks the address it was opened at. */
function makeCertificateWithNames(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}
