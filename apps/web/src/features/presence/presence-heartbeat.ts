/**
 * What keeps this agent from timing out while the console is open (ADR 27). While the
 * socket is connected the console sends nothing: the open socket is the proof of life
 * (the server pings it every 25 s and closes it when the pings go unanswered; each tick
 * of the server counts an open socket as a heartbeat), and socket.io-client closes and
 * reconnects a socket that stops receiving the server's pings. Without a socket (it is
 * connecting, or a proxy refuses WebSockets) the console sends the HTTP heartbeat every
 * 30 s instead.
 */
export const HEARTBEAT_INTERVAL_MS = 30_000;

export interface HeartbeatDeps {
  /** Whether the console's socket is open now. */
  isSocketConnected(): boolean;
  /** `POST /api/presence/heartbeat`; failures are ignored (the next beat tries again). */
  sendHttpHeartbeat(): Promise<unknown>;
  timers?: { setInterval(callback: () => void, ms: number): unknown; clearInterval(handle: unknown): void };
}

/** Starts beating every HEARTBEAT_INTERVAL_MS; returns the function that stops it. */
export function startPresenceHeartbeat(deps: HeartbeatDeps): () => void {
  const timers = deps.timers ?? {
    setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
    clearInterval: (handle) => globalThis.clearInterval(handle as ReturnType<typeof setInterval>),
  };
  const handle = timers.setInterval(() => {
    if (deps.isSocketConnected()) return;
    deps.sendHttpHeartbeat().catch(() => undefined);
  }, HEARTBEAT_INTERVAL_MS);
  return () => timers.clearInterval(handle);
}
