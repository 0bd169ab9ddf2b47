import { useEffect, useRef } from 'react';
import { useWatch } from '../../app/services';

/**
 * An agent's console receives the events of a conversation nobody owns only while it
 * watches `unassigned` (ADR 31), and the inbox does not on Mine or Favourites. The open
 * conversation therefore watches while it is unowned, and calls `refresh` after each
 * answered watch that may have missed something: one sent after the conversation loaded,
 * or sent again after a reconnection (a replay carries no watched event). A topic already
 * watched (the inbox on All) needs no refresh.
 */
export function useUnownedConversationWatch(isUnowned: boolean, refresh: () => void): void {
  const watched = useWatch('unassigned', isUnowned);
  const first = useRef(watched);
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    if (watched === 0 || watched === first.current) return;
    latest.current();
  }, [watched]);
}
