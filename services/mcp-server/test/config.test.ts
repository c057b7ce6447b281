import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMcpConfig } from '../src/config.ts';

const TOKEN = 'producer-token-0123456789abcdef';

describe('mcp config', () => {
  it('serves stdio with defaults; --http or MCP_HTTP_PORT switches to HTTP', () => {
    expect(loadMcpConfig({ OPS_TOKEN: TOKEN }, [])).toEqual({
      coordinatorUrl: 'http://127.0.0.1:7400',
      token: TOKEN,
      httpPort: null,
      httpHost: '127.0.0.1',
      httpToken: null,
      recentReceipts: 20,
    });
    expect(loadMcpConfig({ OPS_TOKEN: TOKEN }, ['--http']).httpPort).toBe(7401);
    expect(loadMcpConfig({ OPS_TOKEN: TOKEN, MCP_HTTP_PORT: '0' }, []).httpPort).toBe(0);
  });

  it('names every bad variable at once and never echoes a token', () => {
    const run = () =>
      loadMcpConfig({ MCP_HTTP_PORT: 'eighty', MCP_RECENT_RECEIPTS: '0', MCP_HTTP_TOKEN: '' }, []);
    expect(run).toThrow(
      'MCP_HTTP_PORT: expected an integer from 0 to 65535, got "eighty"; ' +
        'MCP_RECENT_RECEIPTS: expected an integer from 1 to 500, got "0"; ' +
        'OPS_TOKEN: required (a producer token of the coordinator), or OPS_TOKEN_FILE naming a file that holds it',
    );
  });

  it('reads the token from OPS_TOKEN_FILE (a leading ~/ is HOME) and refuses a file others can read', () => {
    const home = mkdtempSync(join(tmpdir(), 'mcp-home-'));
    mkdirSync(join(home, '.config', 'agent-ops'), { recursive: true });
    const file = join(home, '.config', 'agent-ops', 'producer.token');
    writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    const env = { OPS_TOKEN_FILE: '~/.config/agent-ops/producer.token', HOME: home };
    expect(loadMcpConfig(env, []).token).toBe(TOKEN);
    chmodSync(file, 0o644);
    expect(() => loadMcpConfig(env, [])).toThrow(/^OPS_TOKEN_FILE: .* is readable by others; chmod 600 it$/);
    expect(() => loadMcpConfig({ OPS_TOKEN_FILE: join(home, 'none') }, [])).toThrow(
      /^OPS_TOKEN_FILE: cannot read .*none \(ENOENT\)$/,
    );
    try {
      loadMcpConfig(env, []);
    } catch (err) {
      expect(String(err)).not.toContain(TOKEN);
    }
  });

  it('requires a caller token off loopback', () => {
    const env = { OPS_TOKEN: TOKEN, MCP_HTTP_HOST: '0.0.0.0' };
    expect(() => loadMcpConfig(env, ['--http'])).toThrow(/^MCP_HTTP_TOKEN: required when MCP_HTTP_HOST/);
    expect(loadMcpConfig({ ...env, MCP_HTTP_TOKEN: 'caller-token' }, ['--http']).httpToken).toBe(
      'caller-token',
    );
  });
});
