import { envInt, fromEnv } from '@agent-ops/contracts/env';
import { ConfigError } from '@agent-ops/contracts/errors';
import { z } from 'zod';

export type McpConfig = {
  coordinatorUrl: string;
  token: string;
  /** Set: serve streamable HTTP on this port instead of stdio. */
  httpPort: number | null;
  httpHost: string;
  /** Set: HTTP callers must send `Authorization: Bearer <it>`. */
  httpToken: string | null;
  /** How many receipts `receipts://{channel}/recent` shows. */
  recentReceipts: number;
};

const McpEnv = z.object({
  OPS_TOKEN: z.string({ error: 'required (a producer token of the coordinator)' }),
  OPS_COORDINATOR_URL: z.url().default('http://127.0.0.1:7400'),
  MCP_HTTP_PORT: envInt(z.int().min(0).max(65_535)).optional(),
  MCP_HTTP_HOST: z.string().default('127.0.0.1'),
  MCP_HTTP_TOKEN: z.string().optional(),
  MCP_RECENT_RECEIPTS: envInt(z.int().min(1).max(500)).default(20),
});

/** The server's settings from the environment (and `--http`); errors name the variable, never a secret's value. */
export function loadMcpConfig(env: NodeJS.ProcessEnv, argv: readonly string[]): McpConfig {
  const vars = fromEnv(McpEnv, env);
  const wantsHttp = argv.includes('--http') || vars.MCP_HTTP_PORT !== undefined;
  const httpToken = vars.MCP_HTTP_TOKEN ?? null;
  // The server holds a coordinator token: anyone who reaches it can submit. Off loopback, a
  // caller token is therefore required.
  if (wantsHttp && !['127.0.0.1', '::1', 'localhost'].includes(vars.MCP_HTTP_HOST) && !httpToken) {
    throw new ConfigError('MCP_HTTP_TOKEN: required when MCP_HTTP_HOST is not a loopback address');
  }
  return {
    coordinatorUrl: vars.OPS_COORDINATOR_URL,
    token: vars.OPS_TOKEN,
    httpPort: wantsHttp ? (vars.MCP_HTTP_PORT ?? 7401) : null,
    httpHost: vars.MCP_HTTP_HOST,
    httpToken,
    recentReceipts: vars.MCP_RECENT_RECEIPTS,
  };
}
