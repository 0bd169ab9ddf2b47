import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import type { AgentPresenceDto } from '@switchboard/contracts';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ServicesProvider, type Services } from '../../app/services';
import { realtimeOverFakeSocket } from '../../test-support/fake-socket';
import { usePresenceBoard } from './use-presence-board';

const ANA = '00000000-0000-4000-8000-0000000000a1';
const ME = '00000000-0000-4000-8000-0000000000b2';

const ana: AgentPresenceDto = {
  agent_id: ANA,
  agent_name: 'Ana',
  role: 'agent',
  status: 'online',
  message: null,
  last_heartbeat: '2026-12-04T04:00:00.000Z',
  websocket_connected: true,
  status_changed_at: '2026-12-04T04:00:00.000Z',
  is_available: true,
  is_inactive: false,
  time_in_status_seconds: 0,
  pause_reason: null,
};

/** What the hook uses of the console's services: a connected socket that holds its acks, one list. */
async function fakeServices(role: 'agent' | 'supervisor') {
  const log: string[] = [];
  const { client: realtime, socket } = realtimeOverFakeSocket();
  await socket().handshake();
  socket().holdsAcks = true;
  const api = {
    user: { id: ME, role, name: 'Me', email: 'me@x.test', company_id: ME },
    subscribe: () => () => undefined,
    request: async (method: string, path: string) => {
      log.push(`${method} ${path}`);
      return { items: [ana] };
    },
  };
  const services = { api, realtime, createSoftphone: () => undefined } as unknown as Services;
  const wrapper = ({ children }: { children: ReactNode }) => (
    <ServicesProvider services={services}>{children}</ServicesProvider>
  );
  socket().emit = (event: string, payload: unknown) => {
    log.push(`${event} ${(payload as { topic: string }).topic}`);
    return socket();
  };
  let seq = 0;
  const emit = (event: string, data: Record<string, unknown>) =>
    socket().serverEmit(event, { event, data, version: 'v1', seq: ++seq, ts: '2026-12-04T04:01:00.000Z' });
  return { log, wrapper, emit, socket };
}

describe('usePresenceBoard', () => {
  afterEach(() => cleanup());

  it("on an agent's console, watches presence while shown and loads the list once the watch is acknowledged", async () => {
    const services = await fakeServices('agent');
    const { result, unmount } = renderHook(() => usePresenceBoard(), { wrapper: services.wrapper });
    await waitFor(() => expect(services.log).toEqual(['watch presence']));
    await act(async () => void services.socket().answerAcks());
    await waitFor(() => expect(result.current.board?.[ANA]?.status).toBe('online'));
    expect(services.log).toEqual(['watch presence', 'GET /api/presence']);

    act(() =>
      services.emit('agent_presence_changed', {
        ...ana,
        status: 'busy',
        previous_status: 'online',
        is_available: false,
        reason: 'status_updated',
        timestamp: '2026-12-04T04:01:00.000Z',
      }),
    );
    expect(result.current.board?.[ANA]?.status).toBe('busy');
    unmount();
    expect(services.log.at(-1)).toBe('unwatch presence');
  });

  it("on an agent's console, loads the list again only once the watch a reconnection sends is answered", async () => {
    const services = await fakeServices('agent');
    const { result } = renderHook(() => usePresenceBoard(), { wrapper: services.wrapper });
    await waitFor(() => expect(services.log).toEqual(['watch presence']));
    await act(async () => void services.socket().answerAcks());
    await waitFor(() => expect(result.current.board?.[ANA]).toBeDefined());

    act(() => services.socket().drop('transport close'));
    await act(async () => services.socket().handshake());
    expect(services.log).toEqual(['watch presence', 'GET /api/presence', 'watch presence']);
    expect(result.current.board?.[ANA]).toBeDefined();
    await act(async () => void services.socket().answerAcks());
    await waitFor(() =>
      expect(services.log).toEqual(['watch presence', 'GET /api/presence', 'watch presence', 'GET /api/presence']),
    );
  });

  it("on a manager's console, loads at once without watching: managers receive every change", async () => {
    const services = await fakeServices('supervisor');
    const { result, unmount } = renderHook(() => usePresenceBoard(), { wrapper: services.wrapper });
    await waitFor(() => expect(result.current.board?.[ANA]).toBeDefined());
    unmount();
    expect(services.log).toEqual(['GET /api/presence']);
  });
});
