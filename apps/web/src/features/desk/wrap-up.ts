/**
 * Wrap-up: when an item an agent had ends in a queue with `wrap_up_seconds`, routing holds
 * their next offer until `wrap_up_until` (the `entry_completed` event says when). The
 * console shows the countdown and asks for a disposition, stored on the item with
 * `PUT /api/conversations/:id/disposition` (or `/api/calls/:id/disposition`).
 *
 * The server is the source of truth for when it ends: a console that loads (a reload, a
 * second tab) asks `GET /api/routing/wrap-up` and shows the same countdown, unless the
 * item already has a disposition or the agent dismissed the banner in this tab's session.
 */
import type { MyWrapUpDto, QueueEntryDto } from '@switchboard/contracts';

export interface WrapUp {
  entryId: string;
  item: { kind: 'conversation'; conversationId: string } | { kind: 'call'; callId: string };
  /** ISO: when routing offers work to the agent again. */
  until: string;
}

type EntryEnded = Pick<QueueEntryDto, 'id' | 'assigned_to' | 'conversation_id' | 'call_id'> & {
  wrap_up_until?: string | null | undefined;
};

/** This agent's wrap-up started by an ended entry, or null (someone else's, or no wrap-up). */
export function wrapUpFromEntry(entry: EntryEnded, meId: string): WrapUp | null {
  if (entry.assigned_to !== meId || !entry.wrap_up_until) return null;
  const item = entry.conversation_id
    ? ({ kind: 'conversation', conversationId: entry.conversation_id } as const)
    : entry.call_id
      ? ({ kind: 'call', callId: entry.call_id } as const)
      : null;
  return item ? { entryId: entry.id, item, until: entry.wrap_up_until } : null;
}

/** Where the disposition of the item is stored. */
export function dispositionPath(wrapUp: Pick<WrapUp, 'item'>): string {
  return wrapUp.item.kind === 'conversation'
    ? `/api/conversations/${wrapUp.item.conversationId}/disposition`
    : `/api/calls/${wrapUp.item.callId}/disposition`;
}

/** The wrap-up the server says is under way, as the banner shows it; null when there is nothing to ask. */
export function wrapUpFromServer(dto: MyWrapUpDto, dismissed: ReadonlySet<string>): WrapUp | null {
  const running = dto.wrap_up;
  if (!running || running.disposition_code !== null || dismissed.has(running.entry_id)) return null;
  const item = running.conversation_id
    ? ({ kind: 'conversation', conversationId: running.conversation_id } as const)
    : running.call_id
      ? ({ kind: 'call', callId: running.call_id } as const)
      : null;
  return item ? { entryId: running.entry_id, item, until: running.until } : null;
}

/** Adds a wrap-up, or replaces the one of the same entry (the event and the load may both bring it). */
export function withWrapUp(current: readonly WrapUp[], wrapUp: WrapUp): WrapUp[] {
  return [...current.filter((known) => known.entryId !== wrapUp.entryId), wrapUp];
}

const DISMISSED_KEY = 'switchboard.wrap-up.dismissed';
const DISMISSED_KEPT = 20;

/** Entries whose banner the agent closed in this tab's session, so a reload does not bring it back. */
export function loadDismissed(storage: Pick<Storage, 'getItem'> | undefined): Set<string> {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(DISMISSED_KEY) ?? '[]');
    return new Set(Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : []);
  } catch {
    return new Set();
  }
}

export function rememberDismissed(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined, entryId: string): void {
  if (!storage) return;
  const ids = [...loadDismissed(storage)].filter((id) => id !== entryId);
  ids.push(entryId);
  try {
    storage.setItem(DISMISSED_KEY, JSON.stringify(ids.slice(-DISMISSED_KEPT)));
  } catch {
    // A full or refused storage only means a reload may show the banner again.
  }
}
