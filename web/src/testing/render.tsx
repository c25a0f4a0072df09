//! Renders a component with every provider the app has, against a stubbed `fetch`.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router-dom';
import { I18nProvider, type Locale } from '@/lib/i18n';
import { ThemeProvider } from '@/lib/theme';
import { problem, type Reply } from './api';

export function renderWithProviders(ui: ReactElement, { route = '/', locale = 'en' as Locale } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <I18nProvider initial={locale}>
        <ThemeProvider>
          <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
        </ThemeProvider>
      </I18nProvider>
    </QueryClientProvider>,
  );
}

type Handler = (url: URL, init?: RequestInit) => Reply | undefined;

/** What the server answers a path it has no route for. */
const noRoute = problem(404, 'not_found', 'Not found');

/**
 * Replaces global fetch: each request goes to `handler`, which answers with `reply(…)` (typed by
 * the OpenAPI document); unhandled requests answer 404 `not_found`, as the server does. The typed
 * client hands fetch a built `Request`; the handler and `calls` see its method, headers and body
 * as a `RequestInit` (the body as text) so a test can read them synchronously.
 */
export function stubFetch(handler: Handler) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, given?: RequestInit) => {
    const request = input instanceof Request ? input : null;
    const url = new URL(request ? request.url : String(input), 'http://localhost');
    const init: RequestInit | undefined = request
      ? { method: request.method, headers: request.headers, body: (await request.text()) || undefined, credentials: request.credentials }
      : given;
    calls.push({ url: url.pathname + url.search, init });
    const r = handler(url, init) ?? { status: 404, body: noRoute };
    const empty = r.status === 204 || r.status === 304;
    return new Response(empty ? null : JSON.stringify(r.body), {
      status: r.status,
      headers: { 'Content-Type': r.status >= 400 ? 'application/problem+json' : 'application/json' },
    });
  });
  vi.stubGlobal('fetch', fn);
  return calls;
}
