import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether a server on this port answers a new connection with a greeting matching `pattern`. */
function greets(port: number, pattern: RegExp): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let seen = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (data) => {
      seen += data.toString();
      if (pattern.test(seen)) done(true);
    });
  });
}

/**
 * Waits until a freshly started server greets (SMTP `220`, IMAP `* OK`): ready is when it
 * speaks its protocol, not when a fixed time has passed. Fails early if the process exits.
 */
export async function waitForGreeting(
  port: number,
  pattern: RegExp,
  what: string,
  exited: () => string | null,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const gone = exited();
    if (gone !== null) throw new Error(`${what} exited before it was ready: ${gone}`);
    if (await greets(port, pattern)) return;
    await sleep(25);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} to greet on port ${port}`);
}
