import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Callback = { code: string; state: string };

/**
 * The loopback redirect of an OAuth 2.0 login for a native app (RFC 8252 §7.3): a server on
 * 127.0.0.1 only, never a LAN address, that takes exactly one redirect to `/callback` (or `/`
 * for Google's loopback flow), checks its `state`, and closes. A denied consent ends the login
 * with the provider's error; a request without this login's state is answered 400 and ignored.
 */
export class LoopbackCallback {
  private server: Server | null = null;
  private result: Promise<Callback> | null = null;
  redirectUri = '';

  /** Listens on `port` (0: any free port) and answers `path`. */
  async listen(port: number, path: string, expectedState: () => string): Promise<string> {
    let settle: { resolve: (c: Callback) => void; reject: (e: Error) => void } | null = null;
    this.result = new Promise<Callback>((resolve, reject) => {
      settle = { resolve, reject };
    });
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== path) {
        res.writeHead(404).end();
        return;
      }
      const error = url.searchParams.get('error');
      const code = url.searchParams.get('code');
      const state = url.searchParams.get('state') ?? '';
      const page = (text: string) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><title>agent-ops login</title><p>${text}</p>`);
      };
      if (error && state === expectedState()) {
        page('The login was not completed. You can close this tab.');
        settle?.reject(
          new Error(
            `the provider answered ${error} (${url.searchParams.get('error_description') ?? 'no description'})`,
          ),
        );
      } else if (!code || state !== expectedState()) {
        // A stray request (a reload, another tab, a probe of 127.0.0.1) is refused and the login
        // goes on waiting for the redirect that carries its own state.
        res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          '<!doctype html><title>agent-ops login</title><p>This redirect does not belong to the login in progress.</p>',
        );
        return;
      } else {
        page('Signed in. You can close this tab and return to the terminal.');
        settle?.resolve({ code, state });
      }
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, '127.0.0.1', resolve);
    });
    const actual = (this.server.address() as AddressInfo).port;
    this.redirectUri = `http://127.0.0.1:${actual}${path}`;
    return this.redirectUri;
  }

  wait(): Promise<Callback> {
    if (!this.result) throw new Error('listen first');
    return this.result;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
