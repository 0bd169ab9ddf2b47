/**
 * Wrap-up: when an item an agent had ends in a queue with `wrap_up_seconds`, routing holds
 * their next offer until `wrap_up_until` (the `entry_completed` event says when). The
 * console shows the countdown and asks for a disposition, stored on the item with
 * `PUT /api/conversations/:id/disposition` (or `/api/calls/:id/disposition`).
 */
import type { QueueEntryDto } from '@switchboard/contracts';

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
