import type { IncomingMessage } from 'node:http';
import { ScimError, invalidSyntax } from '../../scim/errors.js';

/**
 * The JSON body of a SCIM request, read straight off the request stream.
 *
 * SCIM bodies are UTF-8 JSON (RFC 7644 §3.1) and Entra sends them uncompressed, so the
 * general machinery of body-parser — charset conversion, inflation, the raw-body stream
 * wrapper — is work a SCIM write need not pay for on every request (~5 % of a PATCH's
 * CPU). What it did that clients can see is kept: a non-JSON content type leaves the body
 * unread, `Content-Length: 0` reads as `{}`, only an object or array is accepted, a BOM is
 * skipped, and a body over the limit is refused before it is buffered.
 */

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

/** undefined: no body, or not JSON (the handler then reports what is missing) */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const { 'content-type': type, 'content-length': length, 'transfer-encoding': chunked, 'content-encoding': encoding } = req.headers;
  if (length === undefined && chunked === undefined) return undefined;
  if (type !== undefined && !JSON_TYPE.test(type)) return undefined;
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    throw new ScimError(415, undefined, `Content-Encoding "${encoding}" is not supported; send the body uncompressed`);
  }
  const charset = type && CHARSET.exec(type)?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ScimError(415, undefined, `charset "${charset}" is not supported; SCIM bodies are UTF-8`);
  }
  if (length !== undefined && Number(length) > limitBytes) throw tooLarge(limitBytes);
  return parse(await readAll(req, limitBytes));
}

function tooLarge(limitBytes: number): ScimError {
  return new ScimError(413, undefined, `the request body exceeds ${limitBytes} bytes`);
}

function readAll(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: ScimError | undefined) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) finish(tooLarge(limitBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(undefined);
    const onError = () => finish(new ScimError(400, undefined, 'the request body cannot be read'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onError);
  });
}

function parse(body: Buffer): unknown {
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  if (text.length === 0) return {};
  const first = /^[\x20\x09\x0a\x0d]*(.)/s.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw invalidSyntax('the request body must be a JSON object');
  try {
    return JSON.parse(text);
  } catch {
    throw invalidSyntax('the request body is not valid JSON');
  }
}
