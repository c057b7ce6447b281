/**
 * Answers `--help` (or `-h`) with the usage text and exits 0. An entry calls this before it
 * does anything with a side effect: no file written, no connection opened, nothing started.
 */
export function answerHelp(usage: string, argv: readonly string[] = process.argv.slice(2)): void {
  if (!argv.includes('--help') && !argv.includes('-h')) return;
  process.stdout.write(`${usage.trim()}\n`);
  process.exit(0);
}

/** The environment lines every executor's help shares. */
export const EXECUTOR_ENV_HELP = `
Environment (the README's table has them all):
  REDIS_URL           the shared Redis (redis://, rediss://, redis+cluster://, rediss+cluster://)
                      default redis://127.0.0.1:6379
  REDIS_CA_FILE       for rediss://: the CA of Redis's certificate (REDIS_CERT_FILE, REDIS_KEY_FILE:
                      a client certificate, only for tls-auth-clients yes)
  OPS_SECRETS_FILE    the account credentials, mode 0600                          required
  OPS_CONFIG_FILE     non-secret JSON: per-account limits, approval policy, keys  optional
  OPS_PREFIX, OPS_CONSUMER, OPS_LEASE_TTL_MS, OPS_CONCURRENCY, OPS_SHUTDOWN_TIMEOUT_MS,
  OPS_LOCAL_GATE_FILE, OPS_METRICS_PORT, OPS_REDIS_AUTO_PIPELINING, OPS_ACCOUNT_CHECK_MS,
  OPS_REAUTH_CHECK_MS, LOG_LEVEL, LOG_PRETTY
Runs until SIGTERM or SIGINT (a second one exits at once). Exit 78 on a configuration error.`;
