/**
 * The waiting list and the inbox's filter rules an agent relies on: who has waited
 * longest comes first, with how long ("há 3 min") rather than a clock time; a search
 * looks across every status; favourites show whatever their status.
 */
import type { ConversationDto } from '@switchboard/contracts';
import type { Translate } from '../../shared/i18n/i18n';
import type { InboxFilter } from './inbox-model';

/**
 * When the contact started waiting. Until the routing engine reports queue entry times,
 * the conversation's start is the one stable mark: later messages must not reset the
 * clock of someone still waiting.
 */
export function waitingSince(conversation: Pick<ConversationDto, 'created_at'>): string {
  return conversation.created_at;
}

/** Oldest-first: the order a fair queue serves them in. */
export function sortWaiting<T extends Pick<ConversationDto, 'created_at' | 'id'>>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => waitingSince(a).localeCompare(waitingSince(b)) || a.id.localeCompare(b.id));
}

export interface WaitingTime {
  unit: 'now' | 'minutes' | 'hours' | 'days';
  /** Whole minutes, hours or days; for hours, `minutes` carries the rest. */
  value: number;
  minutes: number;
}

export function waitingTime(sinceIso: string, now: number): WaitingTime {
  const totalMinutes = Math.max(0, Math.floor((now - Date.parse(sinceIso)) / 60_000));
  if (totalMinutes < 1) return { unit: 'now', value: 0, minutes: 0 };
  if (totalMinutes < 60) return { unit: 'minutes', value: totalMinutes, minutes: totalMinutes };
  const hours = Math.floor(totalMinutes / 60);
  if (hours < 24) return { unit: 'hours', value: hours, minutes: totalMinutes % 60 };
  return { unit: 'days', value: Math.floor(hours / 24), minutes: 0 };
}

/** "há 3 min" / "3 min ago", "há 1 h 05 min" / "1 h 05 min ago". */
export function formatWaiting(t: Translate, sinceIso: string, now: number): string {
  const time = waitingTime(sinceIso, now);
  switch (time.unit) {
    case 'now':
      return t('waiting.now');
    case 'minutes':
      return t('waiting.minutes', { n: time.value });
    case 'hours':
      return t('waiting.hours', { h: time.value, m: String(time.minutes).padStart(2, '0') });
    case 'days':
      return t('waiting.days', { n: time.value });
  }
}

/**
 * The filter after the search box changed. Starting a search widens the status to every
 * status (the screen says so) and remembers the one chosen; clearing it brings that back.
 * A status picked while searching narrows the search, as the agent asked.
 */
export type RememberedStatus = { status: InboxFilter['status'] } | null;

export function filterForSearch(
  filter: InboxFilter,
  q: string | undefined,
  remembered: RememberedStatus,
): { filter: InboxFilter; remembered: RememberedStatus } {
  if (!filter.q && q) return { filter: { ...filter, q, status: undefined }, remembered: { status: filter.status } };
  if (filter.q && !q) {
    return {
      filter: { ...filter, q: undefined, status: remembered ? remembered.status : filter.status },
      remembered: null,
    };
  }
  return { filter: { ...filter, q }, remembered };
}

/** A tab picked: Favourites shows every starred conversation, resolved ones too. */
export function filterForTab(filter: InboxFilter, tab: InboxFilter['filter']): InboxFilter {
  return tab === 'favorites' ? { ...filter, filter: tab, status: undefined } : { ...filter, filter: tab };
}
