/**
 * The HTTP client of the console. It holds the session (15-minute access token, rotating
 * refresh token), refreshes it a minute before the access token expires, refreshes and
 * retries once when the API answers 401, and never lets two refreshes run at once — in
 * this tab (one shared promise) or across tabs (a Web Lock, then a re-read of what another
 * tab may have stored): presenting a rotated refresh token twice revokes the session.
 */
import { tokenResponseSchema, type TokenResponse } from '@switchboard/contracts';
import type { z } from 'zod';
import { ApiError, isProblem, NetworkError, SessionEndedError } from './api-error';
import type { SessionStore, SessionUser, StoredSession } from './session-store';

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions<S extends z.ZodType | undefined> {
  query?: Query;
  body?: unknown;
  schema?: S;
  signal?: AbortSignal;
  /** For the sign-in calls: no bearer token, no refresh on 401. */
  anonymous?: boolean;
}

type Result<S> = S extends z.ZodType ? z.output<S> : unknown;

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ApiClientOptions {
  store: SessionStore;
  baseUrl?: string;
  fetch?: typeof fetch;
  now?: () => number;
  timers?: Timers;
  /** Runs `task` holding a lock shared by every tab (Web Locks); defaults to navigator.locks. */
  withLock?: <T>(task: () => Promise<T>) => Promise<T>;
  /** Refresh this long before the access token expires. */
  refreshMarginMs?: number;
  /** After a failed scheduled refresh (network), try again after this long. */
  retryDelayMs?: number;
}

const ENDED_CODES = new Set([
  'auth.invalid_refresh_token',
  'auth.refresh_token_reused',
  'auth.session_revoked',
  'auth.required',
]);

function defaultLock<T>(task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? (locks.request('switchboard.refresh', task) as Promise<T>) : task();
}

export class ApiClient {
  private session: StoredSession | null;
  private userSnapshot: SessionUser | null = null;
  private refreshing: Promise<StoredSession> | null = null;
  private timer: unknown;
  private readonly listeners = new Set<(user: SessionUser | null) => void>();
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly timers: Timers;
  private readonly withLock: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly marginMs: number;
  private readonly retryDelayMs: number;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.baseUrl ?? '';
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? {
      setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
      clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    this.withLock = options.withLock ?? defaultLock;
    this.marginMs = options.refreshMarginMs ?? 60_000;
    this.retryDelayMs = options.retryDelayMs ?? 10_000;
    const stored = options.store.load();
    this.session = stored && stored.refreshExpiresAt > this.now() ? stored : null;
    this.userSnapshot = this.session?.user ?? null;
    if (stored && !this.session) options.store.save(null);
    options.store.subscribe((next) => this.adopt(next));
    this.schedule();
  }

  /** Stable between refreshes (a new object only when the user changes), for React. */
  get user(): SessionUser | null {
    return this.userSnapshot;
  }

  /** Called with the user on sign-in and with null on sign-out (here or in another tab). */
  subscribe(listener: (user: SessionUser | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async login(email: string, password: string): Promise<SessionUser> {
    const tokens = await this.request('POST', '/api/users/login', {
      body: { email, password },
      schema: tokenResponseSchema,
      anonymous: true,
    });
    this.store(this.toSession(tokens));
    return tokens.user;
  }

  /** Ends this session on the server (best effort) and here. */
  async logout(): Promise<void> {
    const session = this.session;
    this.store(null);
    if (!session) return;
    await this.send('POST', '/api/users/logout', { refresh_token: session.refreshToken }).catch(() => undefined);
  }

  /** Ends every session of the user, on every device. */
  async logoutEverywhere(): Promise<void> {
    await this.request('POST', '/api/users/logout-all');
    this.store(null);
  }

  /** A valid access token, refreshed first when it expires within the margin. */
  async accessToken(): Promise<string> {
    const session = this.session;
    if (!session) throw new SessionEndedError();
    if (session.accessExpiresAt - this.now() > this.marginMs) return session.accessToken;
    return (await this.refresh()).accessToken;
  }

  /** Rotates the refresh token. Concurrent callers share one refresh. */
  refresh(): Promise<StoredSession> {
    this.refreshing ??= this.withLock(() => this.refreshHoldingLock()).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  async request<S extends z.ZodType | undefined = undefined>(
    method: string,
    path: string,
    options: RequestOptions<S> = {},
  ): Promise<Result<S>> {
    const response = await this.authorizedFetch(method, path, options);
    const body = await readBody(response);
    if (!response.ok) throw toApiError(response, body);
    if (options.schema && response.status !== 204) return options.schema.parse(body) as Result<S>;
    return body as Result<S>;
  }

  /** A binary resource (a recording) as a Blob, with the same session handling. */
  async blob(path: string, signal?: AbortSignal): Promise<Blob> {
    const response = await this.authorizedFetch('GET', path, signal ? { signal } : {});
    if (!response.ok) throw toApiError(response, await readBody(response));
    return response.blob();
  }

  private async authorizedFetch(
    method: string,
    path: string,
    options: RequestOptions<z.ZodType | undefined>,
  ): Promise<Response> {
    const url = this.baseUrl + path + toQueryString(options.query);
    const attempt = async (token: string | undefined) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | FormData | undefined;
      if (options.body instanceof FormData) {
        // The browser writes the multipart boundary into the content type itself.
        body = options.body;
      } else if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.body);
      }
      try {
        return await this.fetchImpl(url, { method, headers, body, signal: options.signal ?? null });
      } catch (error) {
        if (error instanceof DOMException && error.name === 'AbortError') throw error;
        throw new NetworkError(error);
      }
    };
    if (options.anonymous) return attempt(undefined);
    const token = await this.accessToken();
    const response = await attempt(token);
    if (response.status !== 401) return response;
    // Expired early (clock skew), revoked, or rotated by another tab: refresh once.
    const refreshed = await this.refresh();
    return attempt(refreshed.accessToken);
  }

  private async refreshHoldingLock(): Promise<StoredSession> {
    const stored = this.options.store.load();
    // Another tab may have refreshed while this one waited for the lock.
    if (
      stored &&
      stored.refreshToken !== this.session?.refreshToken &&
      stored.accessExpiresAt - this.now() > this.marginMs
    ) {
      this.adopt(stored);
      return stored;
    }
    const refreshToken = stored?.refreshToken ?? this.session?.refreshToken;
    if (!refreshToken) {
      this.store(null);
      throw new SessionEndedError();
    }
    const response = await this.send('POST', '/api/users/refresh', { refresh_token: refreshToken });
    const body = await readBody(response);
    if (!response.ok) {
      const error = toApiError(response, body);
      if (response.status === 401 || response.status === 403 || ENDED_CODES.has(error.code)) {
        this.store(null);
        throw new SessionEndedError(error.code);
      }
      throw error;
    }
    const session = this.toSession(tokenResponseSchema.parse(body));
    this.store(session);
    return session;
  }

  private async send(method: string, path: string, body: unknown): Promise<Response> {
    try {
      return await this.fetchImpl(this.baseUrl + path, {
        method,
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new NetworkError(error);
    }
  }

  private toSession(tokens: TokenResponse): StoredSession {
    const now = this.now();
    return {
      accessToken: tokens.access_token,
      accessExpiresAt: now + tokens.expires_in * 1000,
      refreshToken: tokens.refresh_token,
      refreshExpiresAt: now + tokens.refresh_expires_in * 1000,
      user: tokens.user,
    };
  }

  /** Keeps a session (or its end), tells the other tabs through the store, and listeners. */
  private store(session: StoredSession | null): void {
    this.options.store.save(session);
    this.adopt(session);
  }

  private adopt(session: StoredSession | null): void {
    this.session = session;
    this.schedule();
    const next = session?.user ?? null;
    if (sameUser(this.userSnapshot, next)) return;
    this.userSnapshot = next;
    for (const listener of this.listeners) listener(next);
  }

  private schedule(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const session = this.session;
    if (!session) return;
    const delay = Math.max(0, session.accessExpiresAt - this.marginMs - this.now());
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.refresh().catch((error: unknown) => {
        // Offline or the server is down: keep the session and try again shortly.
        if (!(error instanceof SessionEndedError) && this.session) {
          this.timer = this.timers.setTimeout(() => this.schedule(), this.retryDelayMs);
        }
      });
    }, delay);
  }
}

function sameUser(a: SessionUser | null, b: SessionUser | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.id === b.id && a.role === b.role && a.name === b.name && a.email === b.email && a.company_id === b.company_id
  );
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  if (!text) return undefined;
  if (type.includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function toApiError(response: Response, body: unknown): ApiError {
  if (isProblem(body)) return new ApiError(response.status, body.code, body.detail ?? body.title, body);
  return new ApiError(response.status, `http.${response.status}`, response.statusText || `HTTP ${response.status}`);
}

export function toQueryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
