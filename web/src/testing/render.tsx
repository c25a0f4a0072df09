//! Renders a component with every provider the app has, against a stubbed `fetch`.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router-dom';
import { I18nProvider, type Locale } from '@/lib/i18n';
import { ThemeProvider } from '@/lib/theme';

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

type Handler = (url: URL, init?: RequestInit) => { status?: number; body: unknown } | undefined;

/** Replaces global fetch: each request goes to `handler`; unhandled ones answer 404. */
export function stubFetch(handler: Handler) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost');
    calls.push({ url: url.pathname + url.search, init });
    const r = handler(url, init) ?? { status: 404, body: { code: 'not_found', title: 'Not Found', status: 404 } };
    return new Response(JSON.stringify(r.body), {
      status: r.status ?? 200,
      headers: { 'Content-Type': 'application/json' },
    });
  });
  vi.stubGlobal('fetch', fn);
  return calls;
}
