import type { AriEvent } from './ari.events.js';

export type AriChannelListener = (event: AriEvent) => void;

/**
 * Listeners keyed by Asterisk channel id. The connection removes a channel's listeners when
 * the channel ends, so none outlives its channel; `remove` returned by `add` is for callers
 * that stop listening earlier.
 */
export class AriChannelListeners {
  readonly #byChannel = new Map<string, Set<AriChannelListener>>();

  add(asteriskChannelId: string, listener: AriChannelListener): () => void {
    let listeners = this.#byChannel.get(asteriskChannelId);
    if (listeners === undefined) {
      listeners = new Set();
      this.#byChannel.set(asteriskChannelId, listeners);
    }
    listeners.add(listener);
    return () => {
      const current = this.#byChannel.get(asteriskChannelId);
      current?.delete(listener);
      if (current?.size === 0) this.#byChannel.delete(asteriskChannelId);
    };
  }

  /** A copy, so a listener that unsubscribes while being called does not disturb the loop. */
  listenersOf(asteriskChannelId: string): AriChannelListener[] {
    return [...(this.#byChannel.get(asteriskChannelId) ?? [])];
  }

  removeChannel(asteriskChannelId: string): void {
    this.#byChannel.delete(asteriskChannelId);
  }

  channelIds(): string[] {
    return [...this.#byChannel.keys()];
  }

  count(asteriskChannelId?: string): number {
    if (asteriskChannelId !== undefined) return this.#byChannel.get(asteriskChannelId)?.size ?? 0;
    let total = 0;
    for (const listeners of this.#byChannel.values()) total += listeners.size;
    return total;
  }
}
