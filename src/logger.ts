import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Authorization headers and anything named like a secret are redacted
 * at the logger, so a careless log call still cannot leak a token.
 *
 * Lines go to stdout asynchronously: under load the lines written while one write is under
 * way leave together in the next, instead of one system call per request on the event loop.
 * pino flushes what is pending when the process exits, an uncaught exception included.
 */
export function createLogger(level: string = 'info'): Logger {
  return pino({
    level,
    redact: {
      paths: ['req.headers.authorization', '*.token', '*.password', '*.secret', 'token', 'password'],
      censor: '[redacted]',
    },
  }, pino.destination({ dest: 1, sync: false }));
}
