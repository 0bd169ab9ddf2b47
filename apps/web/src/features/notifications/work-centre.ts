/**
 * The notification centre: work that finds the agent, on every page. A pure model; the
 * provider (WorkNotifications.tsx) turns its effects into a toast, a chime or a ring,
 * a desktop notification and the count in the tab title and on the menu.
 *
 * The API, for every source of work:
 *   - `{ type: 'arrived', item }`: something wants this agent. Today: a conversation
 *     assigned to them (`assigned`) or a new one waiting for a human (`awaiting`). The
 *     routing engine's offers plug in here as `kind: 'offer'` with `expiresAt` (the
 *     toast counts down) and, for calls, `channel: 'voice'` (a ring instead of a chime).
 *   - `{ type: 'withdrawn', id }`: it no longer does (taken by someone else, closed, an
 *     offer that expired or was answered elsewhere). The toast and the count go.
 *   - `{ type: 'opened', id }`: the agent opened it. Cleared, and nothing more for it.
 *   - `{ type: 'dismissed', id }`: the agent closed the toast; it still counts until opened.
 *   - `{ type: 'viewing', id }`: what the agent has on screen; arrivals for it are quiet.
 *   - `{ type: 'caught_up', batch, arrived, waitingIds }`: what a read of the waiting list
 *     found after the console was away (missed-waiting.ts): the chats that began waiting
 *     meanwhile arrive together, as one toast and one alert when there are several
 *     ("3 chats waiting"); with `waitingIds` (the whole list), waiting notices of chats
 *     that stopped waiting meanwhile are withdrawn.
 * Items are keyed by `id` (a conversation or call id): the same arrival twice (a replayed
 * event, an assignment after the waiting notice) updates the item and alerts once.
 */
import type { AgentMentioned, ConversationDto, QueueDto, RoutingOfferDto } from '@switchboard/contracts';

/** `mention`: a colleague named this agent in a private note (issue 14). */
export type WorkKind = 'assigned' | 'awaiting' | 'offer' | 'mention';
export type WorkChannel = ConversationDto['channel'];

export interface WorkItem {
  id: string;
  kind: WorkKind;
  channel: WorkChannel;
  /** The customer as the agent knows them: a name, else a phone or an email. */
  customer: string;
  /** Since when the customer waits (ISO). */
  since: string;
  /** Where opening it leads. */
  target: { screen: 'inbox'; conversationId: string } | { screen: 'calls'; callId: string };
  /** Offers only: when the offer lapses (ISO). */
  expiresAt?: string | undefined;
  /** Offers only: the queue it comes from. */
  queue?: string | undefined;
  /** Offers only: the routing offer to accept or reject. */
  offerId?: string | undefined;
}

export interface PendingWork extends WorkItem {
  /** The toast is on screen (not dismissed yet). */
  isToastShown: boolean;
  /** Waiting notices that arrived together (`caught_up`): one toast while more than one is left. */
  batch?: string | undefined;
}

export interface WorkCentreState {
  items: PendingWork[];
  viewingId: string | null;
  /** What the agent already saw of each item (opened, or on screen when it came): not again. */
  seen: Readonly<Record<string, WorkKind>>;
}

export type WorkEvent =
  | { type: 'arrived'; item: WorkItem }
  /** With `offerId`: only if that offer is still the one shown (a late end of an old offer is not news). */
  | { type: 'withdrawn'; id: string; offerId?: string | undefined }
  | { type: 'opened'; id: string }
  | { type: 'dismissed'; id: string }
  | { type: 'viewing'; id: string | null }
  | { type: 'caught_up'; batch: string; arrived: readonly WorkItem[]; waitingIds?: ReadonlySet<string> | undefined };

/**
 * What the page should do now, beside showing the new state. `summary`: several chats at
 * once, told in one notification; `desktop` is then the one that has waited longest.
 */
export type WorkAlert = {
  sound: 'chime' | 'ring';
  desktop: WorkItem;
  summary?: { batch: string; items: readonly WorkItem[] } | undefined;
};

export const emptyWorkCentre: WorkCentreState = { items: [], viewingId: null, seen: {} };

export function reduceWork(
  state: WorkCentreState,
  event: WorkEvent,
): { state: WorkCentreState; alert: WorkAlert | null } {
  switch (event.type) {
    case 'arrived': {
      const { item } = event;
      if (state.seen[item.id] === item.kind) return { state, alert: null };
      if (item.id === state.viewingId) {
        return { state: { ...state, seen: { ...state.seen, [item.id]: item.kind } }, alert: null };
      }
      const known = state.items.find((pending) => pending.id === item.id);
      if (known) {
        // An upgrade (waiting → assigned to me, or an offer) keeps one entry and alerts once.
        const isUpgrade = known.kind !== item.kind && item.kind !== 'awaiting';
        const updated: PendingWork = { ...known, ...item, isToastShown: known.isToastShown || isUpgrade };
        return {
          state: { ...state, items: state.items.map((pending) => (pending.id === item.id ? updated : pending)) },
          alert: isUpgrade ? alertFor(item) : null,
        };
      }
      return {
        state: { ...state, items: [...state.items, { ...item, isToastShown: true }] },
        alert: alertFor(item),
      };
    }
    case 'withdrawn': {
      if (event.offerId !== undefined) {
        const known = state.items.find((pending) => pending.id === event.id);
        if (known?.offerId !== event.offerId) return { state, alert: null };
      }
      return { state: withdraw(state, event.id), alert: null };
    }
    case 'opened':
      return { state: markSeen(state, event.id), alert: null };
    case 'dismissed':
      return {
        state: {
          ...state,
          items: state.items.map((pending) =>
            pending.id === event.id ? { ...pending, isToastShown: false } : pending,
          ),
        },
        alert: null,
      };
    case 'viewing': {
      const next = { ...state, viewingId: event.id };
      return { state: event.id === null ? next : markSeen(next, event.id), alert: null };
    }
    case 'caught_up':
      return catchUp(state, event);
  }
}

/** Work that comes back later (handed back to the queue) alerts again. */
function withdraw(state: WorkCentreState, id: string): WorkCentreState {
  if (!(id in state.seen)) return withoutItem(state, id);
  const { [id]: _forgotten, ...seen } = state.seen;
  return { ...withoutItem(state, id), seen };
}

/** Arrivals the agent was not told of yet, alerted once: a summary when several. */
function catchUp(
  state: WorkCentreState,
  { batch, arrived, waitingIds }: Extract<WorkEvent, { type: 'caught_up' }>,
): { state: WorkCentreState; alert: WorkAlert | null } {
  let next = state;
  if (waitingIds) {
    for (const pending of state.items) {
      if (pending.kind === 'awaiting' && !waitingIds.has(pending.id)) next = withdraw(next, pending.id);
    }
  }
  const fresh: WorkItem[] = [];
  for (const item of arrived) {
    if (next.seen[item.id] === item.kind || next.items.some((pending) => pending.id === item.id)) continue;
    if (item.id === next.viewingId) next = { ...next, seen: { ...next.seen, [item.id]: item.kind } };
    else fresh.push(item);
  }
  const [oldest, ...others] = oldestFirst(fresh);
  if (!oldest) return { state: next, alert: null };
  if (others.length === 0) return reduceWork(next, { type: 'arrived', item: oldest });
  const items = [...next.items, ...fresh.map((item) => ({ ...item, isToastShown: true, batch }))];
  const sound = fresh.some((item) => item.channel === 'voice') ? 'ring' : 'chime';
  return {
    state: { ...next, items },
    alert: { sound, desktop: oldest, summary: { batch, items: [oldest, ...others] } },
  };
}

/** Who has waited longest first: the order a fair queue serves them in. */
export function oldestFirst<T extends Pick<WorkItem, 'id' | 'since'>>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.since.localeCompare(b.since) || a.id.localeCompare(b.id));
}

/** Seen without a pending item (opened from the list): a later waiting notice is not news. */
function markSeen(state: WorkCentreState, id: string): WorkCentreState {
  const kind = state.items.find((item) => item.id === id)?.kind ?? state.seen[id] ?? 'awaiting';
  if (state.seen[id] === kind && !state.items.some((item) => item.id === id)) return state;
  return { ...withoutItem(state, id), seen: { ...state.seen, [id]: kind } };
}

function withoutItem(state: WorkCentreState, id: string): WorkCentreState {
  if (!state.items.some((pending) => pending.id === id)) return state;
  return { ...state, items: state.items.filter((pending) => pending.id !== id) };
}

function alertFor(item: WorkItem): WorkAlert {
  return { sound: item.channel === 'voice' ? 'ring' : 'chime', desktop: item };
}

/** How many things wait for the agent: the number in the tab title and on the menu. */
export function pendingCount(state: WorkCentreState): number {
  return state.items.length;
}

/** `(2) Switchboard`, or the bare name when nothing waits. */
export function titleWithCount(base: string, count: number): string {
  return count > 0 ? `(${count}) ${base}` : base;
}

export type WorkToast =
  | { type: 'item'; item: PendingWork }
  /** Waiting notices that arrived together, oldest first: "3 chats waiting". */
  | { type: 'summary'; batch: string; items: [PendingWork, PendingWork, ...PendingWork[]] };

/**
 * The toasts on screen, in the order they came. Waiting notices that arrived together
 * (`caught_up`) are one toast while more than one of them is still shown; the last one left
 * is a toast of its own.
 */
export function toastsOf(items: readonly PendingWork[]): WorkToast[] {
  const batches = new Map<string, PendingWork[]>();
  const order: (PendingWork | string)[] = [];
  for (const item of items) {
    if (!item.isToastShown) continue;
    if (item.batch === undefined || item.kind !== 'awaiting') {
      order.push(item);
      continue;
    }
    const batch = batches.get(item.batch);
    if (batch) batch.push(item);
    else {
      batches.set(item.batch, [item]);
      order.push(item.batch);
    }
  }
  return order.flatMap((entry): WorkToast[] => {
    if (typeof entry !== 'string') return [{ type: 'item', item: entry }];
    const [oldest, second, ...rest] = oldestFirst(batches.get(entry) ?? []);
    if (!oldest) return [];
    if (!second) return [{ type: 'item', item: oldest }];
    return [{ type: 'summary', batch: entry, items: [oldest, second, ...rest] }];
  });
}

/** Seconds an offer has left (0 when lapsed); null for work that does not lapse. */
export function secondsLeft(item: Pick<WorkItem, 'expiresAt'>, now: number): number | null {
  if (!item.expiresAt) return null;
  return Math.max(0, Math.ceil((Date.parse(item.expiresAt) - now) / 1000));
}

export function customerOf(contact: ConversationDto['contact']): string {
  return contact.name ?? contact.phone ?? contact.email ?? '—';
}

/**
 * What a conversation event means for this agent: assigned to them (only an assignment
 * event says so: other updates of their conversation are not new work), waiting for a
 * human, or gone from their work (taken by another, closed).
 */
export function workFromConversation(
  eventName: string,
  conversation: Pick<
    ConversationDto,
    'id' | 'channel' | 'status' | 'awaiting_human' | 'assignee_id' | 'contact' | 'created_at'
  > & { previous_assignee_id?: string | null | undefined },
  meId: string,
): WorkEvent | null {
  const base = {
    id: conversation.id,
    channel: conversation.channel,
    customer: customerOf(conversation.contact),
    since: conversation.created_at,
    target: { screen: 'inbox' as const, conversationId: conversation.id },
  };
  if (conversation.status === 'resolved') return { type: 'withdrawn', id: conversation.id };
  if (conversation.assignee_id === meId) {
    if (eventName !== 'conversation_assigned' || conversation.previous_assignee_id === meId) return null;
    return { type: 'arrived', item: { ...base, kind: 'assigned' } };
  }
  if (conversation.assignee_id !== null) return { type: 'withdrawn', id: conversation.id };
  if (conversation.awaiting_human) return { type: 'arrived', item: { ...base, kind: 'awaiting' } };
  return { type: 'withdrawn', id: conversation.id };
}

/**
 * The waiting notice of a conversation read over HTTP (the waiting list), by the rule the
 * events follow; null when it does not wait for an agent (taken, closed, not handed over).
 */
export function waitingWork(conversation: Parameters<typeof workFromConversation>[1], meId: string): WorkItem | null {
  // The event's name matters only for the agent's own conversations, which never wait.
  const work = workFromConversation('conversation_updated', conversation, meId);
  return work?.type === 'arrived' && work.item.kind === 'awaiting' ? work.item : null;
}

/** The conversation events that bring or take away work. */
export const CONVERSATION_EVENTS = [
  'conversation_created',
  'conversation_updated',
  'conversation_assigned',
  'conversation_closed',
] as const;

export const OFFER_EVENTS = [
  'offer_created',
  'offer_accepted',
  'offer_rejected',
  'offer_expired',
  'offer_cancelled',
] as const;

type OfferFields = Pick<
  RoutingOfferDto,
  'id' | 'agent_id' | 'channel' | 'conversation_id' | 'call_id' | 'label' | 'queue_name' | 'expires_at' | 'enqueued_at'
>;

/**
 * What a routing offer event means for this agent. Offers are keyed by the conversation
 * or call they offer, so an offer upgrades the "waiting" notice of the same item; its end
 * (accepted, rejected, expired, cancelled) withdraws it only while it is the offer shown.
 * Managers receive every offer for the board: someone else's is none of this centre's.
 */
export function workFromOffer(eventName: string, offer: OfferFields, meId: string): WorkEvent | null {
  if (offer.agent_id !== meId) return null;
  const itemId = offer.conversation_id ?? offer.call_id;
  if (!itemId) return null;
  if (eventName !== 'offer_created') return { type: 'withdrawn', id: itemId, offerId: offer.id };
  return {
    type: 'arrived',
    item: {
      id: itemId,
      kind: 'offer',
      channel: offer.channel,
      customer: offer.label ?? '—',
      since: offer.enqueued_at,
      target: offer.conversation_id
        ? { screen: 'inbox', conversationId: offer.conversation_id }
        : { screen: 'calls', callId: itemId },
      expiresAt: offer.expires_at,
      queue: offer.queue_name,
      offerId: offer.id,
    },
  };
}

/** A note that names this agent: a toast from its author that opens the conversation. */
export function workFromMention(mention: AgentMentioned): WorkEvent {
  return {
    type: 'arrived',
    item: {
      id: `mention-${mention.note_id}`,
      kind: 'mention',
      channel: mention.channel,
      customer: mention.author_name,
      since: mention.created_at,
      target: { screen: 'inbox', conversationId: mention.conversation_id },
    },
  };
}

/**
 * Whether the work centre watches the conversations nobody owns for this user (ADR 31), so
 * "waiting for an agent" toasts reach them on every page. Managers receive those events
 * without watching. An agent in a chat queue (WhatsApp or webchat) gets offers and
 * assignments from routing instead; one in none picks chats up by hand and needs the
 * toasts. `queues` is what GET /api/queues answered this agent (the queues they serve), or
 * `undefined` while not read yet.
 */
export function watchesUnassignedWork(
  role: string,
  queues: readonly Pick<QueueDto, 'channels'>[] | undefined,
): boolean {
  if (role !== 'agent' || queues === undefined) return false;
  return !queues.some((queue) => queue.channels.includes('whatsapp') || queue.channels.includes('webchat'));
}
