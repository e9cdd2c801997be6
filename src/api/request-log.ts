import { randomUUID } from 'node:crypto';
import express, { type Request, type RequestHandler } from 'express';
import type { Logger } from '../logger.js';

/**
 * Request ids and the access log. Each request gets an id — the caller's `X-Request-Id` when
 * it looks like one, so a trace spans a proxy or Entra's logs, otherwise a fresh UUID — echoed
 * in the response and bound to `req.log`, so every line logged for the request carries it.
 * One access line per request names the route template and path without the query string
 * (SCIM filters and tokens-by-mistake stay out of the log) and never a header.
 *
 * Cheap on the SCIM hot path: the child logger is only made when a handler logs, and the
 * access line is one pino call with a flat object.
 */

// The logger each app logs to, for the getter below: one lookup when a handler logs, instead
// of one more property on every request.
const loggers = new WeakMap<object, Logger>();
const children = new WeakMap<Request, Logger>();

// A getter on Express's request prototype, defined once: any property added to a request
// takes V8's slow path (about 2.5 µs; see shaped-messages.ts), and this getter adds none.
Object.defineProperty(express.request, 'log', {
  configurable: true,
  get(this: Request): Logger | undefined {
    const logger = this.id === undefined ? undefined : loggers.get(this.app);
    if (!logger) return undefined;
    let child = children.get(this);
    if (!child) children.set(this, child = logger.child({ reqId: this.id }));
    return child;
  },
});

declare module 'express-serve-static-core' {
  interface Request {
    /** this request's id (X-Request-Id) */
    id?: string;
    /** a logger whose every line carries the request id */
    log?: Logger;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:@\/+=-]{1,128}$/;

export function requestIdOf(header: string | undefined): string {
  return header !== undefined && REQUEST_ID.test(header) ? header : randomUUID();
}

/** The matched route as a template (`/api/jobs/:id/logs`), or null when nothing matched. */
function routeOf(req: Request): string | null {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : null;
}

export function requestLog(logger: Logger): RequestHandler {
  // The access line's fields are fixed and hold no secret, so it skips the redaction pass
  // (a third of a line's cost); every other line, `req.log`'s included, keeps it.
  const access = logger.child({}, { redact: [] });
  let registeredIn: object | undefined;
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const header = req.headers['x-request-id'];
    const reqId = requestIdOf(typeof header === 'string' ? header : undefined);
    req.id = reqId;
    if (registeredIn !== req.app) loggers.set(registeredIn = req.app, logger);
    res.setHeader('x-request-id', reqId);
    // mounted at the root, so this is the whole path, and the query string is not in it
    const path = req.path;
    // `on`, not `once`: the response is dropped after 'close' anyway, and `once` costs a
    // bound wrapper and a property delete that leaves the emitter's event table in slow mode
    res.on('close', () => {
      // a server error is worth a line even where the access log is turned off (LOG_LEVEL=warn)
      const level = res.statusCode >= 500 ? 'error' : 'info';
      if (!access.isLevelEnabled(level)) return;
      access[level]({
        reqId,
        method: req.method,
        route: routeOf(req),
        path,
        status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        ...(res.writableFinished ? {} : { aborted: true }),
      }, 'request');
    });
    next();
  };
}
