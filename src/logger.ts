import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Authorization headers and anything named like a secret are redacted
 * at the logger, so a careless log call still cannot leak a token.
 */
export function createLogger(level: string = 'info'): Logger {
  return pino({
    level,
    redact: {
      paths: ['req.headers.authorization', '*.token', '*.password', '*.secret', 'token', 'password'],
      censor: '[redacted]',
    },
  });
}
