import { type Logger, pino } from 'pino';

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

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}

export type { Logger };
