/**
 * The console's HTTP layer: bearer token, JSON, the API's error contract as ApiError, and the
 * "token expired → login → back" rule in one place.
 */
const TOKEN_KEY = 'pf.token';

export const tokenStore = {
  get: () => localStorage.getItem(TOKEN_KEY),
  set: (t: string) => localStorage.setItem(TOKEN_KEY, t),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

export interface ApiErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: any;
}

/** A non-2xx answer of the API, with its stable code and Chinese message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
  }
  get code() {
    return this.body.code;
  }
  get details() {
    return this.body.details;
  }
}

/** Listeners told when the token was refused (expired or revoked): the app sends the user to login. */
const unauthorizedListeners = new Set<() => void>();
export const onUnauthorized = (fn: () => void) => {
  unauthorizedListeners.add(fn);
  return () => {
    unauthorizedListeners.delete(fn);
  };
};

/** Turns the API's error body (or a network failure) into an ApiError; 401 with a token also logs out. */
export async function toApiError(res: Response | undefined, cause?: unknown, hadToken = true): Promise<ApiError> {
  if (!res) {
    return new ApiError(0, { statusCode: 0, code: 'NETWORK_ERROR', message: `无法连接服务器：${String(cause ?? '')}` });
  }
  let body: ApiErrorBody;
  try {
    body = await res.clone().json();
  } catch {
    body = { statusCode: res.status, code: 'HTTP_' + res.status, message: `服务器返回 ${res.status}` };
  }
  if (!body || typeof body !== 'object' || !body.message) {
    body = { statusCode: res.status, code: 'HTTP_' + res.status, message: `服务器返回 ${res.status}` };
  }
  if (res.status === 401 && hadToken) {
    tokenStore.clear();
    unauthorizedListeners.forEach((fn) => fn());
  }
  return new ApiError(res.status, body);
}

type Query = Record<string, string | number | boolean | undefined | null>;

function url(path: string, query?: Query) {
  const u = new URL(`/api/v1${path}`, window.location.origin);
  for (const [k, v] of Object.entries(query ?? {}))
    if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
  return u.pathname + u.search;
}

export async function request<T>(
  method: string,
  path: string,
  opts: { query?: Query; body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const token = tokenStore.get();
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url(path, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch (e) {
    throw await toApiError(undefined, e);
  }
  if (!res.ok) throw await toApiError(res, undefined, !!token);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, { query }),
  post: <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
    request<T>('POST', path, { body: body ?? {}, headers }),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, { body: body ?? {} }),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

/** A fresh Idempotency-Key per submit: a double click or a retried request never acts twice. */
export const newIdempotencyKey = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
