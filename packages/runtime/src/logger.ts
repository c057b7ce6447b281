import { type Logger, pino } from 'pino';
import { rotatingLogFile } from './log-file.ts';

/** Paths pino blanks out wherever they appear, so a credential never reaches a log line. */
export const REDACT_PATHS = [
  'secrets',
  '*.secrets',
  '*.appSecret',
  '*.accessSecret',
  '*.accessToken',
  '*.oauth2AccessToken',
  '*.password',
  '*.pass',
  '*.refreshToken',
  '*.clientSecret',
  '*.hmacSecret',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  '*.headers.authorization',
];

/**
 * JSON lines by default (for a collector), on stdout or in OPS_LOG_FILE; LOG_PRETTY=1 prints them readably for a terminal,
 * through pino-pretty in a worker thread. Redaction happens before either.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  const pretty = process.env.LOG_PRETTY === '1' && level !== 'silent';
  const options = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  };
  // OPS_LOG_FILE (set by `ops service install`): the service writes its own log, so that it
  // can follow the log's rotation; launchd and systemd would keep writing to the rotated file.
  const file = process.env.OPS_LOG_FILE;
  const checkMs = Number(process.env.OPS_LOG_CHECK_MS) || undefined;
  return file && !pretty ? pino(options, rotatingLogFile(file, checkMs)) : pino(options);
}

export type { Logger };

/**
 * A child logger made on first use. Most intents log nothing on their way through, and a
 * pino child costs a serialisation (and a redaction pass) of its bindings when it is made.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  return new Proxy({} as Logger, {
    get(_target, property) {
      child ??= parent.child(bindings);
      const value = Reflect.get(child, property, child) as unknown;
      return typeof value === 'function' ? value.bind(child) : value;
    },
  });
}
