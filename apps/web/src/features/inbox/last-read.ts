import { useCallback, useRef, useState } from 'react';
import type { LastRead } from './inbox-model';

/** The server's read mark is moved at most this often per conversation. */
const SERVER_MARK_EVERY_MS = 3000;

/**
 * When this user last read each conversation: kept in this browser (for at once) and sent
 * to the server through `persist` (POST /api/conversations/:id/read), whose mark comes back
 * with the list on any device; the inbox takes the later of the two.
 */
export function useLastRead(
  userId: string,
  persist: (conversationId: string) => void = () => undefined,
): { lastRead: LastRead; markRead: (conversationId: string) => void } {
  const key = `switchboard.read.${userId}`;
  const [lastRead, setLastRead] = useState<LastRead>(() => load(key));
  const sentAt = useRef(new Map<string, number>());
  const markRead = useCallback(
    (conversationId: string) => {
      const now = Date.now();
      if (now - (sentAt.current.get(conversationId) ?? 0) >= SERVER_MARK_EVERY_MS) {
        sentAt.current.set(conversationId, now);
        persist(conversationId);
      }
      setLastRead((current) => {
        const next = { ...current, [conversationId]: new Date().toISOString() };
        const entries = Object.entries(next);
        // Keep the 500 most recent.
        const kept =
          entries.length > 500
            ? Object.fromEntries(entries.sort((a, b) => b[1].localeCompare(a[1])).slice(0, 500))
            : next;
        try {
          window.localStorage.setItem(key, JSON.stringify(kept));
        } catch {
          // Not persisted: unread dots come back after a reload.
        }
        return kept;
      });
    },
    [key, persist],
  );
  return { lastRead, markRead };
}

function load(key: string): LastRead {
  try {
    const value = JSON.parse(window.localStorage.getItem(key) ?? '{}') as unknown;
    return value && typeof value === 'object' ? (value as LastRead) : {};
  } catch {
    return {};
  }
}
