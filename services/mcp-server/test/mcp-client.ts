import { join } from 'node:path';
import { type ServiceProcess, startService } from '@agent-ops/testkit/processes';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export const MAIN = join(import.meta.dirname, '..', 'src', 'main.ts');

/** The MCP server as an agent's host runs it: `node main.ts` over stdio, with the SDK's client. */
export async function stdioClient(coordinatorUrl: string, token: string): Promise<Client> {
  const client = new Client({ name: 'agent-ops-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [MAIN],
      env: { PATH: process.env.PATH ?? '', OPS_COORDINATOR_URL: coordinatorUrl, OPS_TOKEN: token },
      stderr: 'pipe',
    }),
  );
  return client;
}

/** The MCP server with `--http` on a free loopback port, and an SDK client over streamable HTTP. */
export async function httpClient(
  coordinatorUrl: string,
  token: string,
  httpToken: string,
): Promise<{ client: Client; server: ServiceProcess; url: string }> {
  const server = startService(MAIN, {
    OPS_COORDINATOR_URL: coordinatorUrl,
    OPS_TOKEN: token,
    MCP_HTTP_PORT: '0',
    MCP_HTTP_TOKEN: httpToken,
  });
  await server.waitForLog('serving streamable HTTP on');
  const url = /on (http:\/\/\S+\/mcp)/.exec(server.output())?.[1];
  if (!url) throw new Error(`no URL in the server's log:\n${server.output()}`);
  const client = new Client({ name: 'agent-ops-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${httpToken}` } },
    }),
  );
  return { client, server, url };
}

/** Calls a tool and returns its structured answer; `isError` is kept for the caller to check. */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<{ isError: boolean; value: Record<string, unknown>; text: string }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  return {
    isError: result.isError === true,
    value: (result.structuredContent ?? {}) as Record<string, unknown>,
    text,
  };
}
