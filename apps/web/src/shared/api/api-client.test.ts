import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from './api-client';
import { ApiError, NetworkError, SessionEndedError } from './api-error';
import { memorySessionStore, type StoredSession } from './session-store';

function urlOf(input: RequestInfo | URL): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}

function bodyOf(body: BodyInit | null | undefined): unknown {
  return typeof body === 'string' ? (JSON.parse(body) as unknown) : undefined;
}

const USER = {
  id: '0193a2b4-1c2d-7e8f-9a0b-1c2d3e4f5a6b',
  company_id: '0193a2b4-1c2d-7e8f-9a0b-1c2d3e4f5a6c',
  email: 'ana@acme.test',
  name: 'Ana',
  role: 'agent' as const,
};

function tokens(n: number, expiresIn = 900) {
  return {
    token_type: 'Bearer',
    access_token: `access-${n}`,
    expires_in: expiresIn,
    refresh_token: `refresh-${n}`,
    refresh_expires_in: 2_592_000,
    user: USER,
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

function problem(status: number, code: string) {
  return json(status, { type: 'about:blank', title: 'x', status, code, detail: `detail of ${code}` });
}

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;

function fakeServer(handler: Handler) {
  const calls: { url: string; method: string; authorization: string | undefined; body: unknown }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = urlOf(input);
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push({
      url,
      method: init?.method ?? 'GET',
      authorization: headers.authorization,
      body: bodyOf(init?.body),
    });
    return handler(url, init ?? {});
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

const noLock = <T>(task: () => Promise<T>) => task();

describe('ApiClient', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-23T10:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('signs in, keeps the session in the store and tells listeners', async () => {
    const store = memorySessionStore();
    const server = fakeServer(() => json(200, tokens(1)));
    const api = new ApiClient({ store, fetch: server.fetch, withLock: noLock });
    const seen: unknown[] = [];
    api.subscribe((user) => seen.push(user?.email ?? null));

    await api.login('ana@acme.test', 'secret');

    expect(server.calls[0]).toMatchObject({
      url: '/api/users/login',
      method: 'POST',
      authorization: undefined,
      body: { email: 'ana@acme.test', password: 'secret' },
    });
    expect(api.user?.email).toBe('ana@acme.test');
    expect(store.load()?.refreshToken).toBe('refresh-1');
    expect(seen).toEqual(['ana@acme.test']);
  });

  it('refreshes a minute before the access token expires, without any request', async () => {
    const store = memorySessionStore();
    let n = 0;
    const server = fakeServer(() => json(200, tokens(++n)));
    const api = new ApiClient({ store, fetch: server.fetch, withLock: noLock });
    await api.login('ana@acme.test', 'secret');

    await vi.advanceTimersByTimeAsync(900_000 - 61_000);
    expect(server.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_000);

    expect(server.calls[1]).toMatchObject({ url: '/api/users/refresh', body: { refresh_token: 'refresh-1' } });
    expect(store.load()?.accessToken).toBe('access-2');
    // And again before the new token expires.
    await vi.advanceTimersByTimeAsync(900_000);
    expect(server.calls[2]).toMatchObject({ url: '/api/users/refresh', body: { refresh_token: 'refresh-2' } });
    expect(api.user?.id).toBe(USER.id);
  });

  it('sends the bearer token and parses the answer', async () => {
    const store = memorySessionStore();
    const server = fakeServer((url) => (url.includes('login') ? json(200, tokens(1)) : json(200, { ok: true })));
    const api = new ApiClient({ store, fetch: server.fetch, withLock: noLock });
    await api.login('ana@acme.test', 'secret');

    await expect(api.request('GET', '/api/calls/active', { query: { a: 1, b: undefined, c: '' } })).resolves.toEqual({
      ok: true,
    });
    expect(server.calls[1]).toMatchObject({ url: '/api/calls/active?a=1', authorization: 'Bearer access-1' });
  });

  it('shares one refresh among concurrent requests when the token has expired', async () => {
    const session: StoredSession = {
      accessToken: 'stale',
      accessExpiresAt: Date.now() - 1_000,
      refreshToken: 'refresh-0',
      refreshExpiresAt: Date.now() + 86_400_000,
      user: USER,
    };
    const store = memorySessionStore(session);
    const server = fakeServer((url) => (url.endsWith('/refresh') ? json(200, tokens(1)) : json(200, { items: [] })));
    const api = new ApiClient({ store, fetch: server.fetch, withLock: noLock });

    await Promise.all([
      api.request('GET', '/api/presence'),
      api.request('GET', '/api/conversations'),
      api.request('GET', '/api/calls/active'),
    ]);

    const refreshes = server.calls.filter((call) => call.url.endsWith('/refresh'));
    expect(refreshes).toHaveLength(1);
    expect(server.calls.filter((call) => !call.url.endsWith('/refresh')).map((call) => call.authorization)).toEqual([
      'Bearer access-1',
      'Bearer access-1',
      'Bearer access-1',
    ]);
  });

  it('refreshes once and retries when the API answers 401', async () => {
    const store = memorySessionStore();
    let rejected = false;
    const server = fakeServer((url, init) => {
      if (url.endsWith('/login')) return json(200, tokens(1));
      if (url.endsWith('/refresh')) return json(200, tokens(2));
      const auth = (init.headers as Record<string, string>).authorization;
      if (auth === 'Bearer access-1') {
        rejected = true;
        return problem(401, 'auth.token_expired');
      }
      return json(200, { answered_with: auth });
    });
    const api = new ApiClient({ store, fetch: server.fetch, withLock: noLock });
    await api.login('ana@acme.test', 'secret');

    await expect(api.request('GET', '/api/users/profile')).resolves.toEqual({ answered_with: 'Bearer access-2' });
    expect(rejected).toBe(true);
  });

  it('ends the session when the refresh token was revoked or reused', async () => {
    const store = memorySessionStore();
    const server = fakeServer((url) => {
      if (url.endsWith('/login')) return json(200, tokens(1, 30));
      if (url.endsWith('/refresh')) return problem(401, 'auth.refresh_token_reused');
      return json(200, {});
    });
    const api = new ApiClient({ store, fetch: server.fetch, withLock: noLock });
    const seen: unknown[] = [];
    api.subscribe((user) => seen.push(user?.id ?? null));
    await api.login('ana@acme.test', 'secret');

    await expect(api.request('GET', '/api/presence/me')).rejects.toBeInstanceOf(SessionEndedError);
    expect(api.user).toBeNull();
    expect(store.load()).toBeNull();
    expect(seen).toEqual([USER.id, null]);
  });

  it('keeps the session when a scheduled refresh meets a network failure, and tries again', async () => {
    const store = memorySessionStore();
    let isOffline = false;
    let n = 1;
    const server = fakeServer((url) => {
      if (isOffline) throw new TypeError('Failed to fetch');
      return json(200, tokens(url.endsWith('/login') ? 1 : ++n));
    });
    const api = new ApiClient({ store, fetch: server.fetch, withLock: noLock, retryDelayMs: 5_000 });
    await api.login('ana@acme.test', 'secret');

    isOffline = true;
    await vi.advanceTimersByTimeAsync(900_000 - 59_000);
    expect(api.user).not.toBeNull();
    isOffline = false;
    await vi.advanceTimersByTimeAsync(6_000);
    expect(store.load()?.accessToken).toBe('access-2');
  });

  it('adopts a session another tab refreshed instead of presenting the rotated token', async () => {
    const stale: StoredSession = {
      accessToken: 'access-1',
      accessExpiresAt: Date.now() + 30_000,
      refreshToken: 'refresh-1',
      refreshExpiresAt: Date.now() + 86_400_000,
      user: USER,
    };
    const store = memorySessionStore(stale);
    const server = fakeServer(() => json(200, { ok: true }));
    // The other tab writes while this one waits for the lock.
    const withLock = async <T>(task: () => Promise<T>) => {
      store.save({
        ...stale,
        accessToken: 'access-2',
        refreshToken: 'refresh-2',
        accessExpiresAt: Date.now() + 900_000,
      });
      return task();
    };
    const api = new ApiClient({ store, fetch: server.fetch, withLock });

    await api.request('GET', '/api/presence/me');

    expect(server.calls.map((call) => call.url)).toEqual(['/api/presence/me']);
    expect(server.calls[0]?.authorization).toBe('Bearer access-2');
  });

  it('follows a sign-out made in another tab', async () => {
    const store = memorySessionStore();
    const server = fakeServer(() => json(200, tokens(1)));
    const api = new ApiClient({ store, fetch: server.fetch, withLock: noLock });
    await api.login('ana@acme.test', 'secret');

    store.writeFromOtherTab(null);

    expect(api.user).toBeNull();
    await expect(api.accessToken()).rejects.toBeInstanceOf(SessionEndedError);
  });

  it('signs out everywhere through /logout-all and forgets the session', async () => {
    const store = memorySessionStore();
    const server = fakeServer((url) =>
      url.endsWith('/login') ? json(200, tokens(1)) : new Response(null, { status: 204 }),
    );
    const api = new ApiClient({ store, fetch: server.fetch, withLock: noLock });
    await api.login('ana@acme.test', 'secret');

    await api.logoutEverywhere();

    expect(server.calls[1]).toMatchObject({
      url: '/api/users/logout-all',
      method: 'POST',
      authorization: 'Bearer access-1',
    });
    expect(api.user).toBeNull();
    expect(store.load()).toBeNull();
  });

  it('signs out here even when the server cannot be told', async () => {
    const store = memorySessionStore();
    let isOffline = false;
    const server = fakeServer(() => {
      if (isOffline) throw new TypeError('Failed to fetch');
      return json(200, tokens(1));
    });
    const api = new ApiClient({ store, fetch: server.fetch, withLock: noLock });
    await api.login('ana@acme.test', 'secret');
    isOffline = true;

    await api.logout();

    expect(api.user).toBeNull();
  });

  it('turns problem+json answers into ApiError with the stable code and field errors', async () => {
    const store = memorySessionStore();
    const server = fakeServer((url) =>
      url.endsWith('/login')
        ? json(200, tokens(1))
        : json(400, {
            type: 'x',
            title: 'Bad Request',
            status: 400,
            code: 'request.invalid',
            detail: 'The request does not match the schema.',
            errors: [{ field: 'body.email', message: 'Invalid email' }],
          }),
    );
    const api = new ApiClient({ store, fetch: server.fetch, withLock: noLock });
    await api.login('ana@acme.test', 'secret');

    const error = await api.request('POST', '/api/users', { body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('request.invalid');
    expect((error as ApiError).fieldErrors).toEqual({ email: 'Invalid email' });
  });

  it('reports a wrong password at sign-in without trying to refresh', async () => {
    const store = memorySessionStore();
    const server = fakeServer(() => problem(401, 'auth.invalid_credentials'));
    const api = new ApiClient({ store, fetch: server.fetch, withLock: noLock });

    await expect(api.login('ana@acme.test', 'wrong')).rejects.toMatchObject({ code: 'auth.invalid_credentials' });
    expect(server.calls).toHaveLength(1);
  });

  it('reports an unreachable server as a NetworkError', async () => {
    const store = memorySessionStore();
    const server = fakeServer(() => {
      throw new TypeError('Failed to fetch');
    });
    const api = new ApiClient({ store, fetch: server.fetch, withLock: noLock });

    await expect(api.login('ana@acme.test', 'x')).rejects.toBeInstanceOf(NetworkError);
  });

  it('drops a stored session whose refresh token has expired', () => {
    const store = memorySessionStore({
      accessToken: 'a',
      accessExpiresAt: Date.now() - 10,
      refreshToken: 'r',
      refreshExpiresAt: Date.now() - 5,
      user: USER,
    });
    const api = new ApiClient({ store, fetch: fakeServer(() => json(200, {})).fetch, withLock: noLock });
    expect(api.user).toBeNull();
    expect(store.load()).toBeNull();
  });
});
