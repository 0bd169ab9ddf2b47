/**
 * The console's long-lived collaborators (API client, Socket.IO client, softphone), made
 * once per page and handed to components through context.
 */
import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { io } from 'socket.io-client';
import { deviceCredentialsSchema } from '@switchboard/contracts';
import { ApiClient } from '../shared/api/api-client';
import { ApiError } from '../shared/api/api-error';
import { browserSessionStore, type SessionUser } from '../shared/api/session-store';
import { RealtimeClient, type ConnectionStatus, type Envelope } from '../shared/realtime/realtime-client';
import { createJsSipUserAgent } from '../features/softphone/jssip-user-agent';
import { SoftphoneController } from '../features/softphone/softphone-controller';
import type { CreateUserAgent } from '../features/softphone/sip-ports';

export interface Services {
  api: ApiClient;
  realtime: RealtimeClient;
  createSoftphone(user: SessionUser): SoftphoneController;
}

export function createBrowserServices(options: { createUserAgent?: CreateUserAgent } = {}): Services {
  const api = new ApiClient({ store: browserSessionStore() });
  const realtime = new RealtimeClient({
    createSocket: ({ auth }) =>
      io({
        path: '/socket.io',
        autoConnect: false,
        auth,
        reconnectionDelay: 1_000,
        reconnectionDelayMax: 5_000,
      }),
    accessToken: () => api.accessToken(),
    refreshToken: () => api.refresh(),
    onSessionEnded: () => void api.logout(),
  });
  const createSoftphone = (user: SessionUser) =>
    new SoftphoneController({
      createUserAgent: options.createUserAgent ?? createJsSipUserAgent,
      displayName: user.name,
      network: window,
      loadDevice: async () => {
        try {
          return await api.request('GET', '/api/users/me/device', { schema: deviceCredentialsSchema });
        } catch (error) {
          if (error instanceof ApiError && error.status === 404) return null;
          throw error;
        }
      },
      makeCall: async (to) => {
        await api.request('POST', '/api/calls/make', { body: { to } });
      },
      transferCall: async (callId, to) => {
        await api.request('POST', `/api/calls/${callId}/transfer`, { body: { to } });
      },
    });
  return { api, realtime, createSoftphone };
}

const ServicesContext = createContext<Services | null>(null);
const SoftphoneContext = createContext<SoftphoneController | null>(null);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function SoftphoneProvider({ controller, children }: { controller: SoftphoneController; children: ReactNode }) {
  return <SoftphoneContext.Provider value={controller}>{children}</SoftphoneContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside ServicesProvider');
  return services;
}

export function useApi(): ApiClient {
  return useServices().api;
}

export function useSoftphone(): SoftphoneController {
  const controller = useContext(SoftphoneContext);
  if (!controller) throw new Error('useSoftphone outside SoftphoneProvider');
  return controller;
}

export function useSoftphoneState() {
  const controller = useSoftphone();
  return useSyncExternalStore(controller.subscribe, controller.getState);
}

/** The signed-in user, or null. */
export function useSessionUser(): SessionUser | null {
  const { api } = useServices();
  return useSyncExternalStore(
    (listener) => api.subscribe(listener),
    () => api.user,
  );
}

export function useCurrentUser(): SessionUser {
  const user = useSessionUser();
  if (!user) throw new Error('useCurrentUser while signed out');
  return user;
}

export function useConnectionStatus(): ConnectionStatus {
  const { realtime } = useServices();
  return useSyncExternalStore(
    (listener) => realtime.onStatus(listener),
    () => realtime.status,
  );
}

/** Calls `handler` for each `event` from the server; the latest handler is always used. */
export function useRealtimeEvent<T = Record<string, unknown>>(
  event: string | readonly string[],
  handler: (envelope: Envelope<T>) => void,
): void {
  const { realtime } = useServices();
  const latest = useRef(handler);
  latest.current = handler;
  const key = typeof event === 'string' ? event : event.join('|');
  useEffect(() => {
    const names = key.split('|');
    const offs = names.map((name) => realtime.on<T>(name, (envelope) => latest.current(envelope)));
    return () => {
      for (const off of offs) off();
    };
  }, [realtime, key]);
}

/** Calls `handler` when state must be reloaded over HTTP (a gap the server could not replay). */
export function useResync(handler: () => void): void {
  const { realtime } = useServices();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => realtime.onResync(() => latest.current()), [realtime]);
}

/**
 * Holds the watched `topic` (ADR 30, ADR 31) while mounted and `isEnabled`, and tells the
 * caller when to load what the topic keeps live: 0 while a connected socket's watch awaits
 * its answer (load nothing yet), otherwise a number that changes after each answered
 * (re)watch, ok or not (load again). Disabled or offline it is at once non-zero: the list
 * loads, and loads again once a connection's watch is answered.
 */
export function useWatch(topic: string, isEnabled: boolean): number {
  const { realtime } = useServices();
  const status = useConnectionStatus();
  const holding = isEnabled ? topic : null;
  const [answers, setAnswers] = useState({ holding, count: 0 });
  const count = answers.holding === holding ? answers.count : 0;
  useEffect(() => {
    if (holding === null) return;
    const off = realtime.onWatched(holding, () =>
      setAnswers((current) => ({ holding, count: (current.holding === holding ? current.count : 0) + 1 })),
    );
    const release = realtime.watch(holding);
    return () => {
      off();
      release();
    };
  }, [realtime, holding]);
  // Another holder's watch may already be answered on this connection: nothing to wait for.
  const isWaiting = holding !== null && status === 'connected' && !realtime.isWatchAnswered(holding);
  return isWaiting ? 0 : count + 1;
}
