/**
 * Typed client of the PartyFlow HTTP API, generated from the OpenAPI document (`npm run generate:client`).
 * Runs in browsers (the console, bundled by Vite) and in Node ≥ 18: it uses only `fetch`, no Node modules.
 *
 *   const api = createApiClient('http://127.0.0.1:3000', token);
 *   const { data, error } = await api.GET('/api/v1/cases/{id}', { params: { path: { id } } });
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };

/** The document's named schemas, e.g. `Schemas['CaseView']`. */
export type Schemas = components['schemas'];

/** A bearer token, or a function that reads the current one on every request (e.g. from the login state). */
export type TokenSource = string | null | undefined | (() => string | null | undefined);

export type ApiClient = Client<paths>;

/**
 * `baseUrl` is the origin the API is served from (paths already start with `/api/v1`): `''` in the console,
 * which is served by the API process itself, `http://127.0.0.1:<port>` elsewhere.
 */
export function createApiClient(baseUrl: string, token?: TokenSource): ApiClient {
  const client = createClient<paths>({ baseUrl });
  if (token) {
    const bearer: Middleware = {
      onRequest({ request }) {
        const value = typeof token === 'function' ? token() : token;
        if (value && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${value}`);
        return request;
      },
    };
    client.use(bearer);
  }
  return client;
}
