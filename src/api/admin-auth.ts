import { timingSafeEqual, createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { unauthorized } from './problem.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Bearer ADMIN_TOKEN on every /api route; compared in constant time. */
export function requireAdmin(adminToken: string): RequestHandler {
  const expected = digest(adminToken);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) return next(unauthorized());
    next();
  };
}
