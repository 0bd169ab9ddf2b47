/** The console's services over fakes: an in-memory API, a socket that never connects, no SIP. */
import { vi } from 'vitest';
import type { Services } from '../app/services';
import { ApiClient } from '../shared/api/api-client';
import { memorySessionStore } from '../shared/api/session-store';
import { RealtimeClient, type SocketFactory } from '../shared/realtime/realtime-client';
import type { SipUserAgent } from '../features/softphone/sip-ports';
import { SoftphoneController } from '../features/softphone/softphone-controller';

function urlOf(input: RequestInfo | URL): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}

function bodyOf(body: BodyInit | null | undefined): unknown {
  return typeof body === 'string' ? (JSON.parse(body) as unknown) : undefined;
}

export type Route = (method: string, path: string, body: unknown) => { status: number; body?: unknown } | undefined;

/** Who the fake login signs in. */
export interface LoginUser {
  id: string;
  company_id: string;
  email: string;
  name: string;
  role: string;
}

/** What POST /api/users/login answers when it signs `user` in. */
export function loginAnswer(user: LoginUser): { status: number; body: unknown } {
  return {
    status: 200,
    body: {
      token_type: 'Bearer',
      access_token: 'a1',
      expires_in: 900,
      refresh_token: 'r1',
      refresh_expires_in: 86_400,
      user,
    },
  };
}

/** `route` behind a POST /api/users/login that signs `user` in. */
export function withLogin(user: LoginUser, route: Route): Route {
  return (method, path, body) => (path === '/api/users/login' ? loginAnswer(user) : route(method, path, body));
}

export function json(status: number, body?: unknown): Response {
  if (body === undefined) return new Response(null, { status });
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

export function fakeServices(route: Route): Services & { requests: { method: string; path: string; body: unknown }[] } {
  const requests: { method: string; path: string; body: unknown }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(urlOf(input), 'http://console.test');
    const method = init?.method ?? 'GET';
    const body = bodyOf(init?.body);
    requests.push({ method, path: url.pathname + url.search, body });
    const answer = route(method, url.pathname, body);
    if (!answer) return json(404, { type: 'x', title: 'Not Found', status: 404, code: 'route.not_found' });
    return json(answer.status, answer.body);
  });
  const api = new ApiClient({
    store: memorySessionStore(),
    fetch,
    withLock: (task) => task(),
  });
  const createSocket: SocketFactory = () =>
    ({
      on: () => undefined,
      onAny: () => undefined,
      connect: () => undefined,
      disconnect: () => undefined,
      emit: () => undefined,
      timeout: () => ({ emitWithAck: async () => ({ ok: true }) }),
      connected: false,
      active: true,
    }) as unknown as ReturnType<SocketFactory>;
  const realtime = new RealtimeClient({
    createSocket,
    accessToken: () => api.accessToken(),
    refreshToken: () => api.refresh(),
  });
  const silentAgent = (): SipUserAgent => ({
    on: () => undefined,
    start: () => undefined,
    stop: () => undefined,
    isConnected: () => false,
    isRegistered: () => false,
  });
  return {
    api,
    realtime,
    requests,
    createSoftphone: (user) =>
      new SoftphoneController({
        createUserAgent: silentAgent,
        displayName: user.name,
        loadDevice: async () => null,
        makeCall: async () => undefined,
        transferCall: async () => undefined,
      }),
  };
}
