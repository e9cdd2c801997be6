import { createHash, randomBytes } from 'node:crypto';

/** Bearer tokens are 32 random bytes; the prefix lets secret scanners recognise a leaked one. */
export function generateToken(): string {
  return `scimflow_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
