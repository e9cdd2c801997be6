import { describe, expect, it } from 'vitest';
import { decryptSecret, deriveSecretsKey, encryptSecret, SecretDecryptionError } from '../../src/provisioning/secrets.js';

const key = deriveSecretsKey('correct horse battery staple');
const otherKey = deriveSecretsKey('another operator passphrase');

function flipFirstChar(part: string): string {
  return (part[0] === 'A' ? 'B' : 'A') + part.slice(1);
}

describe('target tokens at rest', () => {
  it('round-trips a token, including non-ASCII and empty values', () => {
    for (const plain of ['secret-token-123', 'päss wörd ✓', '', 'x'.repeat(10_000)]) {
      expect(decryptSecret(encryptSecret(plain, key), key)).toBe(plain);
    }
  });

  it('writes a versioned blob that does not contain the token', () => {
    const blob = encryptSecret('secret-token-123', key);
    expect(blob).toMatch(/^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(blob).not.toContain('secret-token-123');
    expect(Buffer.from(blob.split(':')[3]!, 'base64url').toString('utf8')).not.toContain('secret');
  });

  it('uses a fresh IV each time, so equal tokens give different blobs', () => {
    expect(encryptSecret('same', key)).not.toBe(encryptSecret('same', key));
  });

  it('derives the same key from the same SECRETS_KEY in another process', () => {
    const blob = encryptSecret('shared', key);
    expect(decryptSecret(blob, deriveSecretsKey('correct horse battery staple'))).toBe('shared');
  });

  it('refuses a blob encrypted under another SECRETS_KEY', () => {
    expect(() => decryptSecret(encryptSecret('t', key), otherKey)).toThrow(SecretDecryptionError);
  });

  it.each([
    ['iv', 1],
    ['tag', 2],
    ['ciphertext', 3],
  ])('detects tampering with the %s', (_name, index) => {
    const parts = encryptSecret('secret-token-123', key).split(':');
    parts[index] = flipFirstChar(parts[index]!);
    expect(() => decryptSecret(parts.join(':'), key)).toThrow(SecretDecryptionError);
  });

  it.each([
    ['plain text', 'secret-token-123'],
    ['an unknown version', encryptSecret('t', key).replace(/^v1:/, 'v9:')],
    ['a truncated blob', encryptSecret('t', key).split(':').slice(0, 3).join(':')],
    ['a short tag', 'v1:AAAAAAAAAAAAAAAA:AAAA:AAAA'],
  ])('rejects %s with a clear error that does not echo it', (_name, blob) => {
    expect(() => decryptSecret(blob, key)).toThrow(/^cannot decrypt secret: /);
    try { decryptSecret(blob, key); } catch (e) { expect((e as Error).message).not.toContain('secret-token'); }
  });

  it('refuses a SECRETS_KEY shorter than 16 characters', () => {
    expect(() => deriveSecretsKey('short')).toThrow(/16 characters/);
  });
});
