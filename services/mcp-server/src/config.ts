import { ConfigError } from '@agent-ops/contracts/errors';

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

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}: must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** The server's settings from the environment (and `--http`); errors name the variable, never its value. */
export function loadMcpConfig(env: NodeJS.ProcessEnv, argv: readonly string[]): McpConfig {
  const token = env.OPS_TOKEN;
  if (!token) throw new ConfigError('OPS_TOKEN: required (a producer token of the coordinator)');
  const wantsHttp = argv.includes('--http') || (env.MCP_HTTP_PORT ?? '') !== '';
  const httpHost = env.MCP_HTTP_HOST ?? '127.0.0.1';
  const httpToken = env.MCP_HTTP_TOKEN || null;
  // The server holds a coordinator token: anyone who reaches it can submit. Off loopback, a
  // caller token is therefore required.
  if (wantsHttp && !['127.0.0.1', '::1', 'localhost'].includes(httpHost) && !httpToken) {
    throw new ConfigError('MCP_HTTP_TOKEN: required when MCP_HTTP_HOST is not a loopback address');
  }
  return {
    coordinatorUrl: env.OPS_COORDINATOR_URL ?? 'http://127.0.0.1:7400',
    token,
    httpPort: wantsHttp ? int(env, 'MCP_HTTP_PORT', 7401, 0, 65_535) : null,
    httpHost,
    httpToken,
    recentReceipts: int(env, 'MCP_RECENT_RECEIPTS', 20, 1, 500),
  };
}
