import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
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

const McpEnv = z
  .object({
    OPS_TOKEN: z.string().optional(),
    OPS_TOKEN_FILE: z.string().optional(),
    OPS_COORDINATOR_URL: z.url().default('http://127.0.0.1:7400'),
    MCP_HTTP_PORT: envInt(z.int().min(0).max(65_535)).optional(),
    MCP_HTTP_HOST: z.string().default('127.0.0.1'),
    MCP_HTTP_TOKEN: z.string().optional(),
    MCP_RECENT_RECEIPTS: envInt(z.int().min(1).max(500)).default(20),
  })
  .superRefine(
    (v, ctx) => {
      if (!v.OPS_TOKEN && !v.OPS_TOKEN_FILE)
        ctx.addIssue({
          code: 'custom',
          path: ['OPS_TOKEN'],
          message:
            'required (a producer token of the coordinator), or OPS_TOKEN_FILE naming a file that holds it',
        });
    },
    // Checked even when other variables are bad, so that one message names them all.
    { when: () => true },
  );

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
    token: producerToken(vars.OPS_TOKEN, vars.OPS_TOKEN_FILE, env.HOME),
    httpPort: wantsHttp ? (vars.MCP_HTTP_PORT ?? 7401) : null,
    httpHost: vars.MCP_HTTP_HOST,
    httpToken,
    recentReceipts: vars.MCP_RECENT_RECEIPTS,
  };
}

/**
 * The producer token: OPS_TOKEN, or the first line of the file OPS_TOKEN_FILE names (a
 * leading `~/` is the home directory), so that an MCP client's config names a file of mode
 * 0600 instead of holding the token as a literal.
 */
function producerToken(
  token: string | undefined,
  file: string | undefined,
  home: string | undefined,
): string {
  if (token) return token;
  if (!file) throw new ConfigError('OPS_TOKEN: required, or OPS_TOKEN_FILE'); // the schema has said so already
  const path = file.startsWith('~/') && home ? join(home, file.slice(2)) : file;
  let text: string;
  try {
    if ((statSync(path).mode & 0o077) !== 0)
      throw new ConfigError(`OPS_TOKEN_FILE: ${path} is readable by others; chmod 600 it`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`OPS_TOKEN_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`);
  }
  const first = text.split('\n')[0]?.trim() ?? '';
  if (!first) throw new ConfigError(`OPS_TOKEN_FILE: ${path} is empty`);
  return first;
}
