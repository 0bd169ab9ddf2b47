import { act, cleanup, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { realtimeOverFakeSocket } from '../test-support/fake-socket';
import { ServicesProvider, useWatch, type Services } from './services';

async function watching({ isConnected = true } = {}) {
  const { client, socket } = realtimeOverFakeSocket();
  socket().holdsAcks = true;
  if (isConnected) await socket().handshake();
  const services = { realtime: client } as unknown as Services;
  const wrapper = ({ children }: { children: ReactNode }) => (
    <ServicesProvider services={services}>{children}</ServicesProvider>
  );
  return { client, socket, wrapper, answer: () => act(async () => void socket().answerAcks()) };
}

describe('useWatch', () => {
  afterEach(() => cleanup());

  it('says to wait while a connected watch awaits its answer, then changes with each answered (re)watch', async () => {
    const { socket, wrapper, answer } = await watching();
    const { result, unmount } = renderHook(() => useWatch('unassigned', true), { wrapper });
    expect(result.current).toBe(0);
    expect(socket().watchLog()).toEqual(['watch unassigned']);
    await answer();
    const first = result.current;
    expect(first).toBeGreaterThan(0);

    act(() => socket().drop('transport close'));
    expect(result.current).toBe(first);
    await act(() => socket().handshake());
    expect(result.current).toBe(0);
    await answer();
    expect(result.current).toBeGreaterThan(0);
    expect(result.current).not.toBe(first);
    unmount();
    expect(socket().watchLog()).toEqual(['watch unassigned', 'watch unassigned', 'unwatch unassigned']);
  });

  it('does not wait offline: the caller loads at once, and again once the connection’s watch is answered', async () => {
    const { socket, wrapper, answer } = await watching({ isConnected: false });
    const { result } = renderHook(() => useWatch('unassigned', true), { wrapper });
    const offline = result.current;
    expect(offline).toBeGreaterThan(0);
    await act(() => socket().handshake());
    expect(result.current).toBe(0);
    await answer();
    expect(result.current).toBeGreaterThan(0);
    expect(result.current).not.toBe(offline);
  });

  it('does not wait for a topic another holder already watches on this connection, nor send it again', async () => {
    const { client, socket, wrapper, answer } = await watching();
    client.watch('unassigned');
    await answer();
    const { result } = renderHook(() => useWatch('unassigned', true), { wrapper });
    expect(result.current).toBeGreaterThan(0);
    expect(socket().watchLog()).toEqual(['watch unassigned']);
  });

  it('watches nothing while disabled, and releases the topic when disabled', async () => {
    const { socket, wrapper, answer } = await watching();
    const { result, rerender } = renderHook(({ isEnabled }) => useWatch('unassigned', isEnabled), {
      wrapper,
      initialProps: { isEnabled: false },
    });
    expect(result.current).toBeGreaterThan(0);
    expect(socket().watchLog()).toEqual([]);
    rerender({ isEnabled: true });
    expect(result.current).toBe(0);
    await answer();
    rerender({ isEnabled: false });
    expect(result.current).toBeGreaterThan(0);
    expect(socket().watchLog()).toEqual(['watch unassigned', 'unwatch unassigned']);
  });
});
