import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { safeEqual } from '@agent-ops/contracts/safe-equal';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export type HttpOptions = { host: string; port: number; token: string | null; log: (line: string) => void };

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function authorised(req: IncomingMessage, token: string | null): boolean {
  if (token === null) return true;
  return safeEqual(req.headers.authorization ?? '', `Bearer ${token}`);
}

function answer(res: import('node:http').ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

/**
 * Streamable HTTP at `/mcp`, stateless: every POST gets its own MCP server and transport,
 * so nothing is kept between requests and replicas need no sticky sessions. On loopback the
 * Host header is checked (DNS rebinding: a web page must not reach this through a name it
 * controls); with a token, callers must present it.
 */
export async function serveHttp(makeServer: () => McpServer, options: HttpOptions): Promise<Server> {
  let allowedHosts: string[] | undefined;
  const http = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/mcp') return answer(res, 404, 'not found: the MCP endpoint is /mcp');
    if (!authorised(req, options.token))
      return answer(res, 401, 'unauthorised: send Authorization: Bearer <MCP_HTTP_TOKEN>');
    if (req.method !== 'POST')
      return answer(res, 405, 'method not allowed: this server is stateless, POST only');
    const server = makeServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      ...(allowedHosts ? { enableDnsRebindingProtection: true, allowedHosts } : {}),
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    server
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch((err: unknown) => {
        options.log(`mcp http request failed: ${(err as Error).message}`);
        if (!res.headersSent) answer(res, 500, 'internal error');
      });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  if (LOOPBACK.has(options.host)) {
    allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  }
  return http;
}
