import { act, cleanup, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServicesProvider, type Services } from '../../app/services';
import { realtimeOverFakeSocket } from '../../test-support/fake-socket';
import { useUnownedConversationWatch } from './use-unowned-watch';

async function connected() {
  const { client, socket } = realtimeOverFakeSocket();
  socket().holdsAcks = true;
  await socket().handshake();
  const services = { realtime: client } as unknown as Services;
  const wrapper = ({ children }: { children: ReactNode }) => (
    <ServicesProvider services={services}>{children}</ServicesProvider>
  );
  return { client, socket, wrapper, answer: () => act(async () => void socket().answerAcks()) };
}

describe('the open conversation nobody owns', () => {
  afterEach(() => cleanup());

  it('is watched once known to be unowned, and refreshed after each answered watch that may have missed events', async () => {
    const { socket, wrapper, answer } = await connected();
    const refresh = vi.fn();
    const { rerender, unmount } = renderHook(({ isUnowned }) => useUnownedConversationWatch(isUnowned, refresh), {
      wrapper,
      initialProps: { isUnowned: false },
    });
    rerender({ isUnowned: true });
    expect(socket().watchLog()).toEqual(['watch unassigned']);
    await answer();
    expect(refresh).toHaveBeenCalledTimes(1);

    act(() => socket().drop('transport close'));
    await act(() => socket().handshake());
    await answer();
    expect(refresh).toHaveBeenCalledTimes(2);

    rerender({ isUnowned: false });
    expect(socket().watchLog()).toEqual(['watch unassigned', 'watch unassigned', 'unwatch unassigned']);
    unmount();
  });

  it('needs no refresh when the inbox already watches the topic on this connection', async () => {
    const { client, socket, wrapper, answer } = await connected();
    client.watch('unassigned');
    await answer();
    const refresh = vi.fn();
    const { rerender } = renderHook(({ isUnowned }) => useUnownedConversationWatch(isUnowned, refresh), {
      wrapper,
      initialProps: { isUnowned: false },
    });
    rerender({ isUnowned: true });
    await answer();
    expect(refresh).not.toHaveBeenCalled();
    expect(socket().watchLog()).toEqual(['watch unassigned']);
  });
});
