import type { Standing } from './api-types';
import { ApiError, apiUrl, client, fetchWithUploadProgress, unwrap } from './api-client';
import { problem, reply } from '@/testing/api';
import { stubFetch } from '@/testing/render';

const standing: Standing = {
  rank: 1, participant: 'ann smith/2', rating: 1500, display_rating: 1500, matches: 0, wins: 0, draws: 0, losses: 0,
  streak: 0, peak_rating: 1500, provisional: true, scored: 0, conceded: 0,
};

describe('the typed API client', () => {
  it('turns a problem+json answer into an ApiError with its message, code and field errors', async () => {
    stubFetch(() =>
      reply('update_user', 404, problem(404, 'user_not_found', 'Not found', {
        detail: 'no user with id 7',
        errors: [{ field: 'id', message: 'unknown' }],
      })),
    );
    const call = unwrap(client.PATCH('/api/v1/users/{id}', { params: { path: { id: 7 } }, body: { role: 'viewer' } }));
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const e = error as ApiError;
    expect(e.status).toBe(404);
    expect(e.code).toBe('user_not_found');
    expect(e.message).toBe('no user with id 7');
    expect(e.fieldErrors).toEqual([{ field: 'id', message: 'unknown' }]);
  });

  it('falls back to the status line when an error answer is not a problem', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('upstream down', { status: 502, statusText: 'Bad Gateway' })));
    const error = await unwrap(client.GET('/api/v1/system')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(502);
    expect((error as ApiError).code).toBe('http_error');
    expect((error as ApiError).message).toBe('Bad Gateway');
  });

  it('encodes path parameters, so an id with a space or a slash stays one segment', async () => {
    const calls = stubFetch((url) =>
      url.pathname === '/api/v1/leagues/club%20chess/participants/ann%20smith%2F2' ? reply('get_participant', 200, standing) : undefined,
    );
    const got = await unwrap(
      client.GET('/api/v1/leagues/{slug}/participants/{participant}', { params: { path: { slug: 'club chess', participant: 'ann smith/2' } } }),
    );
    expect(got.participant).toBe('ann smith/2');
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/leagues/club%20chess/participants/ann%20smith%2F2']);
  });

  it('encodes query parameters and leaves out the ones not given', async () => {
    const calls = stubFetch(() => reply('list_audit', 200, { entries: [], next_cursor: null }));
    await unwrap(client.GET('/api/v1/audit', { params: { query: { actor: 'user:a&b@x.io', cursor: 41, target: undefined } } }));
    expect(calls[0]!.url).toBe('/api/v1/audit?actor=user%3Aa%26b%40x.io&cursor=41');
  });

  it('sends cookies same-origin, asks for JSON or a problem, and posts JSON', async () => {
    const calls = stubFetch(() => reply('login', 200, { user: { email: 'a@x.io', role: 'admin' } }));
    const me = await unwrap(client.POST('/api/v1/auth/login', { body: { email: 'a@x.io', password: 'pw' } }));
    expect(me.user.role).toBe('admin');
    const init = calls[0]!.init!;
    expect(init.credentials).toBe('same-origin');
    const headers = new Headers(init.headers);
    expect(headers.get('accept')).toBe('application/json, application/problem+json');
    expect(headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(String(init.body))).toEqual({ email: 'a@x.io', password: 'pw' });
  });

  it('answers undefined for a 204', async () => {
    stubFetch((url, init) => (url.pathname === '/api/v1/keys/5' && init?.method === 'DELETE' ? reply('revoke_key', 204, null) : undefined));
    await expect(unwrap(client.DELETE('/api/v1/keys/{id}', { params: { path: { id: 5 } } }))).resolves.toBeUndefined();
  });

  it('types each answer from the schema and refuses calls the schema does not have', () => {
    // Compile-time only (tsc checks this file): nothing here is sent.
    const never = () => {
      expectTypeOf(unwrap(client.GET('/api/v1/leaderboards/{slug}', { params: { path: { slug: 's' } } })))
        .resolves.toHaveProperty('slug').toEqualTypeOf<string>();
      expectTypeOf(unwrap(client.DELETE('/api/v1/keys/{id}', { params: { path: { id: 1 } } }))).resolves.toEqualTypeOf<undefined>();
      // @ts-expect-error: no such path
      void client.GET('/api/v1/leaderboard');
      // @ts-expect-error: the path parameter is required
      void client.GET('/api/v1/leaderboards/{slug}', {});
      // @ts-expect-error: `cursor` is a number for the audit log
      void client.GET('/api/v1/audit', { params: { query: { cursor: 'abc' } } });
      // @ts-expect-error: a key is created with a name and scopes
      void client.POST('/api/v1/keys', { body: { nom: 'ci' } });
    };
    expect(never).toBeTypeOf('function');
  });
});

describe('apiUrl', () => {
  it('fills in and encodes the path parameters of a stream the browser opens itself', () => {
    expect(apiUrl('/api/v1/leaderboards/{slug}/events', { slug: 'a b/c' })).toBe('/api/v1/leaderboards/a%20b%2Fc/events');
  });
});

describe('fetchWithUploadProgress', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('rejects like fetch when the network fails', async () => {
    class FailingXhr {
      upload = { onprogress: null };
      onerror: (() => void) | null = null;
      withCredentials = false;
      open() {}
      setRequestHeader() {}
      send() { this.onerror?.(); }
    }
    vi.stubGlobal('XMLHttpRequest', FailingXhr);
    const send = fetchWithUploadProgress(() => {});
    await expect(send(new Request('http://localhost/x', { method: 'POST', body: 'a' }))).rejects.toThrow(TypeError);
  });
});
