import { useCallback, useState } from 'react';
import type { LastRead } from './inbox-model';

/**
 * When this user last read each conversation, in this browser. The API has no read
 * receipts for agents yet, so unread counts are this browser's own.
 */
export function useLastRead(userId: string): { lastRead: LastRead; markRead: (conversationId: string) => void } {
  const key = `switchboard.read.${userId}`;
  const [lastRead, setLastRead] = useState<LastRead>(() => load(key));
  const markRead = useCallback(
    (conversationId: string) => {
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
    [key],
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
