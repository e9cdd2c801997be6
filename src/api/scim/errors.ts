import type { Request, Response } from 'express';
import type { Logger } from '../../logger.js';
import { ScimError } from '../../scim/errors.js';
import { sendScim } from './http.js';

/**
 * Every error under /scim/v2 leaves as the SCIM error schema (RFC 7644 §3.12). Client
 * mistakes keep their status and scimType; anything unexpected is a 500 whose body says
 * nothing about internals, with the cause in the log.
 */
export function sendScimError(err: unknown, req: Request, res: Response, logger: Logger): void {
  const error = err instanceof ScimError ? err : undefined;
  if (!error) {
    (req.log ?? logger).error({ err, method: req.method, path: req.originalUrl.split('?')[0] }, 'unhandled error in SCIM API');
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const final = error ?? new ScimError(500, undefined, 'an unexpected error occurred; see the server log');
  sendScim(res, final.status, final);
}
