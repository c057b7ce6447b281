import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';

/**
 * Whether a TLS-only redis-server on 127.0.0.1:port answers yet. A readiness probe, not a trust
 * check (the tests make those with real clients): it does not verify the server's certificate,
 * so a test may start a server whose certificate names another host. It presents the client
 * certificate from `env` when there is one, as a server with tls-auth-clients yes requires.
 */
export function tlsPing(port: number, env: Record<string, string>): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({
      port,
      host: '127.0.0.1',
      rejectUnauthorized: false,
      ...(env.REDIS_CERT_FILE && env.REDIS_KEY_FILE
        ? { cert: readFileSync(env.REDIS_CERT_FILE), key: readFileSync(env.REDIS_KEY_FILE) }
        : {}),
    });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('secureConnect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    // Any answer means it is up: with ACLs the default user may be off, and PING answers -NOAUTH.
    socket.on('data', (data) => done(/^[+-]/.test(data.toString())));
  });
}
