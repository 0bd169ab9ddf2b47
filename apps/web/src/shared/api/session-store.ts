/**
 * Where a signed-in session is kept between page loads and shared between tabs. The API
 * answers refresh tokens in the body (no cookie), so they live in localStorage; the
 * `storage` event tells the other tabs when one of them refreshed or signed out, which
 * matters because a refresh token presented twice revokes the whole family (ADR 6).
 */
import type { z } from 'zod';
import type { sessionUserSchema } from '@switchboard/contracts';

export type SessionUser = z.infer<typeof sessionUserSchema>;

export interface StoredSession {
  accessToken: string;
  /** Epoch ms, by this browser's clock. */
  accessExpiresAt: number;
  refreshToken: string;
  refreshExpiresAt: number;
  user: SessionUser;
}

export interface SessionStore {
  load(): StoredSession | null;
  save(session: StoredSession | null): void;
  /** Changes made by another tab. */
  subscribe(listener: (session: StoredSession | null) => void): () => void;
}

const KEY = 'switchboard.session';

function parse(raw: string | null): StoredSession | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<StoredSession>;
    if (
      typeof value.accessToken === 'string' &&
      typeof value.refreshToken === 'string' &&
      typeof value.accessExpiresAt === 'number' &&
      typeof value.refreshExpiresAt === 'number' &&
      value.user
    ) {
      return value as StoredSession;
    }
  } catch {
    // A damaged entry is a signed-out browser.
  }
  return null;
}

export function browserSessionStore(storage: Storage = window.localStorage, key = KEY): SessionStore {
  return {
    load: () => parse(storage.getItem(key)),
    save(session) {
      if (session) storage.setItem(key, JSON.stringify(session));
      else storage.removeItem(key);
    },
    subscribe(listener) {
      const onStorage = (event: StorageEvent) => {
        if (event.key === key || event.key === null) listener(parse(storage.getItem(key)));
      };
      window.addEventListener('storage', onStorage);
      return () => window.removeEventListener('storage', onStorage);
    },
  };
}

/** For tests, and for browsers that refuse localStorage. */
export function memorySessionStore(initial: StoredSession | null = null): SessionStore & {
  /** Simulates another tab writing the session. */
  writeFromOtherTab(session: StoredSession | null): void;
} {
  let value = initial;
  const listeners = new Set<(session: StoredSession | null) => void>();
  return {
    load: () => value,
    save(session) {
      value = session;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    writeFromOtherTab(session) {
      value = session;
      for (const listener of listeners) listener(session);
    },
  };
}
