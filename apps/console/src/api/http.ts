/**
 * The console's HTTP layer: the typed client generated from the OpenAPI document (libs/api-client:
 * paths, parameters and bodies are checked by tsc, so a contract change that breaks the console breaks
 * its build), the bearer token, the API's error contract as ApiError, and the "token expired → login →
 * back" rule in one place.
 */
import { createApiClient } from '../../../../libs/api-client';

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
export async function toApiError(
  res: Response | undefined,
  cause?: unknown,
  hadToken = true,
  parsed?: unknown,
): Promise<ApiError> {
  if (!res) {
    return new ApiError(0, { statusCode: 0, code: 'NETWORK_ERROR', message: `无法连接服务器：${String(cause ?? '')}` });
  }
  let body: ApiErrorBody;
  try {
    // the typed client has read the body already and hands it over parsed
    body = parsed !== undefined ? (parsed as ApiErrorBody) : await res.clone().json();
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

/** The typed client: every request carries the current token. */
export const client = createApiClient('', () => tokenStore.get());

type Answer = { data?: unknown; error?: unknown; response: Response };

/**
 * Awaits a typed-client call: its data, or an ApiError (a refused token also logs out). `T` names the
 * shape the page reads where the document types a response loosely.
 */
export async function call<T>(request: Promise<Answer>): Promise<T> {
  const hadToken = !!tokenStore.get();
  let answer: Answer;
  try {
    answer = await request;
  } catch (e) {
    throw await toApiError(undefined, e);
  }
  if (!answer.response.ok) throw await toApiError(answer.response, undefined, hadToken, answer.error);
  return answer.data as T;
}

type Query = Record<string, string | number | boolean | undefined | null>;

/**
 * Untyped requests by path (below /api/v1), for pages not yet moved to the typed client: prefer
 * `call(client.GET(...))`, which tsc checks against the API's document.
 */
export async function request<T>(
  method: string,
  path: string,
  opts: { query?: Query; body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const token = tokenStore.get();
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  // a form (a file upload) sets its own multipart content type; anything else goes as JSON
  const form = opts.body instanceof FormData;
  if (opts.body !== undefined && !form) headers['content-type'] = 'application/json';
  const u = new URL(`/api/v1${path}`, window.location.origin);
  for (const [k, v] of Object.entries(opts.query ?? {}))
    if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
  let res: Response;
  try {
    res = await fetch(u.pathname + u.search, {
      method,
      headers,
      body: opts.body === undefined ? undefined : form ? (opts.body as FormData) : JSON.stringify(opts.body),
    });
  } catch (e) {
    throw await toApiError(undefined, e);
  }
  if (!res.ok) throw await toApiError(res, undefined, !!token);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * A file sent as `multipart/form-data` (field `file`) to a path below /api/v1, with the token; answers and
 * errors as `request`'s.
 */
export function upload<T>(path: string, file: Blob & { name?: string }, query: Query = {}): Promise<T> {
  const body = new FormData();
  body.append('file', file, file.name ?? 'upload');
  return request<T>('POST', path, { query, body });
}

export const api = {
  get: <T = any>(path: string, query?: Query) => request<T>('GET', path, { query }),
  post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
    request<T>('POST', path, { body: body ?? {}, headers }),
  patch: <T = any>(path: string, body?: unknown) => request<T>('PATCH', path, { body: body ?? {} }),
  delete: <T = any>(path: string) => request<T>('DELETE', path),
};

/** A fresh Idempotency-Key per submit: a double click or a retried request never acts twice. */
export const newIdempotencyKey = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
