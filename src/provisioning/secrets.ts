import { createCipheriv, createDecipheriv, randomBytes, scryptSync, type KeyObject, createSecretKey } from 'node:crypto';

/**
 * Target tokens at rest: AES-256-GCM under a key derived from SECRETS_KEY.
 *
 * Blob format: `v1:<iv>:<tag>:<ciphertext>`, each part base64url. The version prefix lets a
 * later format (another cipher, a key id for rotation) be introduced while old rows still
 * decrypt; it is also bound as associated data, so a blob relabelled with another version
 * fails authentication instead of being read under the wrong rules.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// A fixed salt is deliberate: the derived key must be the same in every process that shares
// SECRETS_KEY, and the salt's job here (separating this use of the secret from any other)
// only needs it to be specific to scimflow's token encryption.
const KDF_SALT = 'scimflow/target-token/v1';
// scrypt, not a bare hash: SECRETS_KEY is typed by an operator and may be a passphrase.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

export class SecretDecryptionError extends Error {
  constructor(reason: string) {
    super(`cannot decrypt secret: ${reason}`);
  }
}

/** The derived encryption key. Derive it once per process (scrypt is slow on purpose). */
export type SecretsKey = KeyObject;

export function deriveSecretsKey(secretsKey: string): SecretsKey {
  if (secretsKey.length < 16) throw new Error('SECRETS_KEY must be at least 16 characters');
  return createSecretKey(scryptSync(secretsKey, KDF_SALT, 32, SCRYPT));
}

export function encryptSecret(plain: string, key: SecretsKey): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(VERSION));
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join(':');
}

export function decryptSecret(blob: string, key: SecretsKey): string {
  const parts = blob.split(':');
  if (parts.length !== 4) throw new SecretDecryptionError('not a scimflow secret blob');
  const [version, ivPart, tagPart, dataPart] = parts as [string, string, string, string];
  if (version !== VERSION) throw new SecretDecryptionError(`unknown format ${JSON.stringify(version.slice(0, 8))}`);
  const iv = Buffer.from(ivPart, 'base64url');
  const tag = Buffer.from(tagPart, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretDecryptionError('malformed blob');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(version));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(Buffer.from(dataPart, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptionError('wrong SECRETS_KEY or tampered blob');
  }
}
