// Every request to the broker's API goes through here: the token, the cross-site header, readable errors.

const TOKEN_KEY = 'rulemq.apiToken';

/** A failed API call: `status` 0 when the broker could not be reached at all. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let unauthorizedHandler = () => {};

/** Called (with the broker's message) whenever the API answers 401. */
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * Calls the API; resolves with `{ status, json }` for 2xx (and for the statuses in `accept`), throws ApiError otherwise.
 * The custom header is what the broker's cross-site guard asks of browsers on state-changing requests.
 */
export async function api(method, path, body, accept = []) {
  const headers = { 'x-rulemq-request': 'dashboard' };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'UNREACHABLE', `Cannot reach the broker (${err.message}).`);
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.status === 401) {
    const message = json?.message || 'The API token is required.';
    unauthorizedHandler(message);
    throw new ApiError(401, 'UNAUTHORIZED', message);
  }
  if (res.ok || accept.includes(res.status)) return { status: res.status, json };
  const code = json?.code || `HTTP_${res.status}`;
  const message = json?.message || text || res.statusText || `HTTP ${res.status}`;
  throw new ApiError(res.status, code, message);
}

export const get = (path) => api('GET', path).then((r) => r.json);
