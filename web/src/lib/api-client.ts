//! The one API client every feature's fetchers use: `openapi-fetch` typed by the generated
//! `paths`, so a call's path, parameters, body and answer are checked against the server's
//! OpenAPI document. Cookies carry the session; RFC 9457 problems become `ApiError`s the UI can
//! switch on by `code`.
import createClient, { defaultPathSerializer } from 'openapi-fetch';
import type { components, paths } from './api-schema';

export type Problem = components['schemas']['Problem'];
export type FieldError = components['schemas']['FieldError'];

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Partial<Problem>;

  constructor(status: number, problem: Partial<Problem>) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.code = String(problem.code ?? 'http_error');
    this.problem = problem;
  }

  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }
}

/** The typed client: `unwrap(client.GET('/api/v1/leaderboards/{slug}', { params: { path: { slug } } }))`. */
export const client = createClient<paths>({
  // Absolute, because openapi-fetch builds a `Request` first and outside a page (Node, in tests)
  // a relative URL does not parse; in the browser it is the page's own origin.
  baseUrl: globalThis.location?.origin ?? '',
  credentials: 'same-origin',
  headers: { Accept: 'application/json, application/problem+json' },
  // Looked up on every call, not captured once, so a test's stubbed fetch is the one used.
  fetch: (request) => globalThis.fetch(request),
});

/** What every `client` call resolves to: the answer's body, or what an error status carried. */
type Answer = { data?: unknown; error?: unknown; response: Response };

/**
 * The body type of a call's successful answer: the union member whose `data` is required (the
 * other, the error one, has `data?: never`); `undefined` for an operation that answers without a
 * body (204), so callers never see `never`.
 */
type Success<R> = Extract<R, { data: unknown }>['data'];
type Body<T> = [T] extends [never] ? undefined : T;

/**
 * The body of a successful answer; any other status throws an `ApiError` built from the problem
 * it carried (or from the status line, when the body is not a problem).
 */
export async function unwrap<R extends Answer>(call: Promise<R>): Promise<Body<Success<R>>> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const problem = error && typeof error === 'object' ? (error as Partial<Problem>) : { title: response.statusText };
    throw new ApiError(response.status, problem);
  }
  // A 2xx answer is the `data` member; openapi-fetch leaves it undefined for a bodiless one.
  return data as Body<Success<R>>;
}

type GetPath = { [P in keyof paths]: paths[P]['get'] extends { parameters: { path: object } } ? P : never }[keyof paths];
type PathParams<P extends GetPath> = paths[P]['get'] extends { parameters: { path: infer A } } ? A : never;

/**
 * The URL of a GET operation with its path parameters filled in and encoded, for the one reader
 * openapi-fetch cannot be: an `EventSource` (the browser opens and reconnects the stream itself).
 */
export function apiUrl<P extends GetPath>(path: P, params: PathParams<P>): string {
  return defaultPathSerializer(path, params as Record<string, unknown>);
}

/**
 * A `fetch` for openapi-fetch's per-call `fetch` option that reports upload progress, which
 * `fetch` cannot: it sends the built `Request` with XMLHttpRequest and answers a `Response`
 * (read as text: JSON or a problem), so the call stays typed and errors stay `ApiError`s.
 */
export function fetchWithUploadProgress(onProgress: (fraction: number) => void) {
  return async (request: Request): Promise<Response> => {
    const body = request.method === 'GET' || request.method === 'HEAD' ? null : await request.blob();
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(request.method, request.url);
      request.headers.forEach((value, name) => xhr.setRequestHeader(name, value));
      xhr.withCredentials = request.credentials === 'include';
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      };
      xhr.onload = () => {
        onProgress(1);
        const nullBody = xhr.status === 204 || xhr.status === 205 || xhr.status === 304;
        resolve(new Response(nullBody ? null : xhr.responseText, {
          status: xhr.status,
          statusText: xhr.statusText,
          headers: parseHeaders(xhr.getAllResponseHeaders()),
        }));
      };
      // What fetch itself rejects with, so callers cannot tell the two apart.
      xhr.onerror = () => reject(new TypeError('Failed to fetch'));
      xhr.onabort = () => reject(new DOMException('The operation was aborted.', 'AbortError'));
      request.signal.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(body);
    });
  };
}

function parseHeaders(raw: string): Headers {
  const headers = new Headers();
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const at = line.indexOf(':');
    if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return headers;
}

/** Retries network hiccups and 5xx, never a 4xx (it will not change by retrying). */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status < 500) return false;
  return failureCount < 2;
}
