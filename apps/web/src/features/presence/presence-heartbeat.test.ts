import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HEARTBEAT_INTERVAL_MS, startPresenceHeartbeat } from './presence-heartbeat';

describe('the console’s presence heartbeat', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function start(isConnected: () => boolean, send = vi.fn(async () => ({}))) {
    const stop = startPresenceHeartbeat({ isSocketConnected: isConnected, sendHttpHeartbeat: send });
    return { send, stop };
  }

  it('sends nothing while the socket is open: the open socket is the proof of life', () => {
    const { send, stop } = start(() => true);
    vi.advanceTimersByTime(10 * HEARTBEAT_INTERVAL_MS);
    expect(send).not.toHaveBeenCalled();
    stop();
  });

  it('sends the HTTP heartbeat every 30 s while there is no socket, and stops when the socket is back', () => {
    let isConnected = false;
    const { send, stop } = start(() => isConnected);
    vi.advanceTimersByTime(HEARTBEAT_INTERVAL_MS - 1);
    expect(send).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(send).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(2 * HEARTBEAT_INTERVAL_MS);
    expect(send).toHaveBeenCalledTimes(3);

    isConnected = true;
    vi.advanceTimersByTime(5 * HEARTBEAT_INTERVAL_MS);
    expect(send).toHaveBeenCalledTimes(3);
    stop();
  });

  it('keeps beating after a failed request, and not at all once stopped', async () => {
    const send = vi.fn(async () => {
      throw new Error('offline');
    });
    const { stop } = start(() => false, send);
    vi.advanceTimersByTime(HEARTBEAT_INTERVAL_MS);
    await Promise.resolve();
    vi.advanceTimersByTime(HEARTBEAT_INTERVAL_MS);
    expect(send).toHaveBeenCalledTimes(2);

    stop();
    vi.advanceTimersByTime(5 * HEARTBEAT_INTERVAL_MS);
    expect(send).toHaveBeenCalledTimes(2);
  });
});
