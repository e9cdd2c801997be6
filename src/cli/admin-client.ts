import type { Config } from '../config.js';

/** A failed admin call, carrying the API's problem detail for the terminal. */
export class AdminClientError extends Error {}

export interface AdminClient {
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/** The admin verbs are plain REST clients: they need the API's URL and ADMIN_TOKEN. */
export function adminClient(config: Config, apiUrl: string | undefined): AdminClient {
  const base = (apiUrl ?? process.env.SCIMFLOW_API_URL ?? `http://127.0.0.1:${config.port}`).replace(/\/+$/, '');
  const token = config.adminToken;
  if (!token) throw new AdminClientError('ADMIN_TOKEN is required for admin commands');
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        throw new AdminClientError(`cannot reach the scimflow API at ${base}: ${(err as Error).message}`);
      }
      const text = await res.text();
      const json = text ? (JSON.parse(text) as unknown) : undefined;
      if (!res.ok) {
        const problem = json as { title?: string; detail?: string } | undefined;
        throw new AdminClientError(`${res.status} ${problem?.title ?? res.statusText}${problem?.detail ? `: ${problem.detail}` : ''}`);
      }
      return json as T;
    },
  };
}
