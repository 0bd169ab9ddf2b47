/**
 * The inbox list as a reducer: pages from the API, then conversation and message events
 * from the socket. A conversation that stops matching the filter (taken by someone else,
 * closed while viewing open ones) leaves the list; one that starts matching enters it.
 */
import type {
  ConversationDto,
  ConversationEventDto,
  conversationChannels,
  conversationFilters,
  conversationStatuses,
  MessageDto,
} from '@switchboard/contracts';

export interface InboxFilter {
  filter?: (typeof conversationFilters)[number] | undefined;
  status?: (typeof conversationStatuses)[number] | undefined;
  channel?: (typeof conversationChannels)[number] | undefined;
  q?: string | undefined;
  /** A label id: only conversations carrying it (issue 14). */
  label?: string | undefined;
}

export interface InboxState {
  items: ConversationDto[];
  nextCursor: string | null;
  /** Inbound messages not yet seen, per conversation. */
  unread: Record<string, number>;
}

export type InboxAction =
  | { type: 'loaded'; items: ConversationDto[]; nextCursor: string | null; isNextPage: boolean; lastRead: LastRead }
  | {
      type: 'conversation_changed';
      conversation: ConversationEventDto | ConversationDto;
      filter: InboxFilter;
      meId: string;
    }
  | { type: 'favorite_changed'; conversationId: string; favorite: boolean; filter: InboxFilter }
  | { type: 'message_created'; message: MessageDto; openConversationId: string | null }
  | { type: 'opened'; conversationId: string };

/** When each conversation was last read here (ISO times), kept per user in localStorage. */
export type LastRead = Readonly<Record<string, string>>;

export const emptyInbox: InboxState = { items: [], nextCursor: null, unread: {} };

export function matchesFilter(conversation: ConversationDto, filter: InboxFilter, meId: string): boolean {
  switch (filter.filter) {
    case 'mine':
      if (conversation.assignee_id !== meId) return false;
      break;
    case 'unassigned':
      if (conversation.assignee_id !== null) return false;
      break;
    case 'awaiting_human':
      if (!conversation.awaiting_human) return false;
      break;
    case 'favorites':
      if (!conversation.favorite) return false;
      break;
    case undefined:
      break;
  }
  if (filter.status && conversation.status !== filter.status) return false;
  if (filter.channel && conversation.channel !== filter.channel) return false;
  if (filter.q) {
    const q = filter.q.toLowerCase();
    const { name, phone, email } = conversation.contact;
    if (![name, phone, email].some((field) => field?.toLowerCase().includes(q))) return false;
  }
  return true;
}

function byActivity(a: ConversationDto, b: ConversationDto): number {
  return b.last_activity_at.localeCompare(a.last_activity_at);
}

function upsert(items: ConversationDto[], conversation: ConversationDto): ConversationDto[] {
  const rest = items.filter((item) => item.id !== conversation.id);
  return [...rest, conversation].sort(byActivity);
}

/** A conversation event carries no per-user star or read mark: keep the ones we know. */
export function withFavorite(
  conversation: ConversationEventDto | ConversationDto,
  known: ConversationDto | undefined,
): ConversationDto {
  const favorite = 'favorite' in conversation ? conversation.favorite : (known?.favorite ?? false);
  const lastReadAt = 'last_read_at' in conversation ? conversation.last_read_at : (known?.last_read_at ?? null);
  const { previous_assignee_id: _previous, ...fields } = conversation as ConversationEventDto;
  return { ...fields, favorite, last_read_at: lastReadAt };
}

export function inboxReducer(state: InboxState, action: InboxAction): InboxState {
  switch (action.type) {
    case 'loaded': {
      const unread = { ...state.unread };
      for (const item of action.items) {
        // This browser's mark or the server's (another tab or device), whichever is later.
        const local = action.lastRead[item.id];
        const read =
          local && item.last_read_at
            ? local > item.last_read_at
              ? local
              : item.last_read_at
            : (local ?? item.last_read_at);
        if (unread[item.id] === undefined && item.last_message_at && (!read || item.last_message_at > read)) {
          unread[item.id] = 0;
        }
      }
      const items = action.isNextPage
        ? [...state.items, ...action.items.filter((item) => !state.items.some((known) => known.id === item.id))]
        : action.items;
      return { items, nextCursor: action.nextCursor, unread };
    }
    case 'conversation_changed': {
      const known = state.items.find((item) => item.id === action.conversation.id);
      // An older version arriving late (replays are ordered, but HTTP pages may be newer).
      if (known && known.updated_at > action.conversation.updated_at) return state;
      const conversation = withFavorite(action.conversation, known);
      if (!matchesFilter(conversation, action.filter, action.meId)) {
        return known ? { ...state, items: state.items.filter((item) => item.id !== conversation.id) } : state;
      }
      // Events carry no labels: under a label filter only the listed ones are kept up to date.
      if (action.filter.label && !known) return state;
      return { ...state, items: upsert(state.items, conversation) };
    }
    case 'favorite_changed': {
      const known = state.items.find((item) => item.id === action.conversationId);
      if (!known) return state;
      const conversation = { ...known, favorite: action.favorite };
      if (action.filter.filter === 'favorites' && !action.favorite) {
        return { ...state, items: state.items.filter((item) => item.id !== conversation.id) };
      }
      return { ...state, items: upsert(state.items, conversation) };
    }
    case 'message_created': {
      const { message } = action;
      const known = state.items.find((item) => item.id === message.conversation_id);
      let items = state.items;
      if (known && message.direction !== 'internal') {
        const at = message.created_at;
        items = upsert(state.items, {
          ...known,
          last_message_at: known.last_message_at && known.last_message_at > at ? known.last_message_at : at,
          last_activity_at: known.last_activity_at > at ? known.last_activity_at : at,
          last_message_preview: previewOf(message) ?? known.last_message_preview,
        });
      }
      const isUnseen = message.direction === 'inbound' && message.conversation_id !== action.openConversationId;
      const unread = isUnseen
        ? { ...state.unread, [message.conversation_id]: (state.unread[message.conversation_id] ?? 0) + 1 }
        : state.unread;
      return { ...state, items, unread };
    }
    case 'opened': {
      if (state.unread[action.conversationId] === undefined) return state;
      const { [action.conversationId]: _seen, ...unread } = state.unread;
      return { ...state, unread };
    }
  }
}

export function previewOf(message: Pick<MessageDto, 'text' | 'media'>): string | null {
  const text = message.text ?? message.media?.caption ?? (message.media ? `[${message.media.kind}]` : null);
  return text === null ? null : text.slice(0, 200);
}
