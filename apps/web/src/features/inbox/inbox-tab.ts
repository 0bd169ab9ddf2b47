/**
 * The inbox's tabs: the one each user last picked, kept in this browser, and the tabs whose
 * list holds conversations nobody owns. Events of those conversations reach an agent's
 * console only while it watches the `unassigned` topic (ADR 31), so an agent's inbox watches
 * it only on such a tab; an agent who works from Mine stays on Mine after a reload, and
 * receives no chat that is not theirs.
 */
import type { InboxFilter } from './inbox-model';

export const INBOX_TABS = [undefined, 'mine', 'unassigned', 'awaiting_human', 'favorites'] as const;
export type InboxTab = (typeof INBOX_TABS)[number];

const ALL = 'all';

/** Managers receive every conversation's events without watching. */
export function watchesUnassigned(role: string, tab: InboxFilter['filter']): boolean {
  return role === 'agent' && (tab === undefined || tab === 'unassigned' || tab === 'awaiting_human');
}

function keyOf(userId: string): string {
  return `switchboard.inbox.tab.${userId}`;
}

/** The tab `userId` last picked here; All when none (or an unknown value) is kept. */
export function rememberedTab(userId: string): InboxTab {
  try {
    const value = window.localStorage.getItem(keyOf(userId));
    return INBOX_TABS.find((tab) => tab === value) ?? undefined;
  } catch {
    return undefined;
  }
}

export function rememberTab(userId: string, tab: InboxTab): void {
  try {
    window.localStorage.setItem(keyOf(userId), tab ?? ALL);
  } catch {
    // Not kept: the inbox opens on All next time.
  }
}
