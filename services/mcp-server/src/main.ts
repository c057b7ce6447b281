#!/usr/bin/env node
// The agent-ops MCP server: stdio by default, streamable HTTP with --http or MCP_HTTP_PORT.
import type { AddressInfo } from 'node:net';
import { ConfigError } from '@agent-ops/contracts/errors';
import { answerHelp } from '@agent-ops/runtime/cli-help';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadMcpConfig } from './config.ts';
import { serveHttp } from './http.ts';
import { producerApi } from './producer-api.ts';
import { RecentReceipts } from './recent-receipts.ts';
import { createMcpServer } from './server.ts';

// stdout is the MCP channel under stdio: every human-readable line goes to stderr.
const log = (line: string) => process.stderr.write(`agent-ops-mcp: ${line}\n`);

answerHelp(`usage: node services/mcp-server/main.mjs [--http]

The agent-ops MCP server: stdio by default; streamable HTTP with --http or MCP_HTTP_PORT.
Environment: OPS_COORDINATOR_URL, OPS_TOKEN (a producer token), MCP_HTTP_PORT, MCP_HTTP_HOST,
MCP_HTTP_TOKEN (the README's MCP section has them all). Exit 78 on a configuration error.`);

let config: ReturnType<typeof loadMcpConfig>;
try {
  config = loadMcpConfig(process.env, process.argv.slice(2));
} catch (err) {
  if (err instanceof ConfigError) {
    log(err.message);
    process.exit(78);
  }
  throw err;
}

const api = producerApi({ url: config.coordinatorUrl, token: config.token });
const recent = new RecentReceipts(api, config.recentReceipts);

if (config.httpPort === null) {
  const server = createMcpServer(api, recent);
  await server.connect(new StdioServerTransport());
  log(`serving on stdio; coordinator ${config.coordinatorUrl}`);
  // The client owns this process: when it closes stdin, we are done.
  process.stdin.on('close', () => {
    void server.close().then(() => process.exit(0));
  });
} else {
  const http = await serveHttp(() => createMcpServer(api, recent), {
    host: config.httpHost,
    port: config.httpPort,
    token: config.httpToken,
    log,
  });
  const { port } = http.address() as AddressInfo;
  log(
    `serving streamable HTTP on http://${config.httpHost}:${port}/mcp; coordinator ${config.coordinatorUrl}`,
  );
  const stop = () => http.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
