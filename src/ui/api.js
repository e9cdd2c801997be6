/**
 * The admin API as the console calls it: the token entered at login, kept in sessionStorage
 * (gone when the tab closes), sent with every request. A 401 anywhere forgets the token and
 * sends the operator back to the login screen.
 */

const TOKEN_KEY = 'scimflow.adminToken';

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** Raised for a 401: the app catches it and shows the login screen. */
export class SessionEnded extends Error {}

/** A refusal from the API, carrying its problem JSON's detail for the operator to read. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `the server answered ${status}`);
    this.status = status;
  }
}

const listeners = new Set();

/** Called with no arguments whenever a request is refused for its token. */
export function onSessionEnded(listener) {
  listeners.add(listener);
}

async function send(method, path, { body, accept = 'application/json' } = {}) {
  const headers = { authorization: `Bearer ${session.token() ?? ''}`, accept };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) {
    session.signOut();
    for (const listener of listeners) listener();
    throw new SessionEnded('the admin token was refused');
  }
  if (!res.ok) {
    const problem = await res.json().catch(() => null);
    throw new ApiError(res.status, problem);
  }
  return res;
}

export async function api(method, path, body) {
  const res = await send(method, path, { body });
  return res.status === 204 ? undefined : res.json();
}

export async function download(path, accept) {
  return (await send('GET', path, { accept })).blob();
}

/** Query string of the given parameters, leaving out empty ones. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
