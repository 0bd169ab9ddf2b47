/**
 * One conversation's messages, oldest first: pages load upward (`before` cursor), live
 * messages and delivery updates merge by id, so an answer of the API and the socket's
 * echo of the same message never show twice.
 */
import type { MessageDto } from '@switchboard/contracts';

export interface ThreadState {
  conversationId: string | null;
  messages: MessageDto[];
  /** Cursor of the next older page; null when the first message is loaded. */
  olderCursor: string | null;
  hasLoaded: boolean;
  /** Other people typing here: agent id → who and until when. */
  typing: Record<string, { name: string; until: number }>;
}

export type ThreadAction =
  | { type: 'reset'; conversationId: string }
  | {
      type: 'page_loaded';
      conversationId: string;
      newestFirst: MessageDto[];
      nextCursor: string | null;
      isOlder: boolean;
    }
  | { type: 'message_upserted'; message: MessageDto }
  | { type: 'typing_started'; conversationId: string; agentId: string; name: string; until: number }
  | { type: 'typing_stopped'; conversationId: string; agentId: string }
  | { type: 'typing_expired'; now: number };

/** The conversation's newest page of messages, loaded (on opening, or again after a gap). */
export function newestPageLoaded(
  conversationId: string,
  page: { items: MessageDto[]; next_cursor: string | null },
): ThreadAction {
  return { type: 'page_loaded', conversationId, newestFirst: page.items, nextCursor: page.next_cursor, isOlder: false };
}

export const emptyThread: ThreadState = {
  conversationId: null,
  messages: [],
  olderCursor: null,
  hasLoaded: false,
  typing: {},
};

function byTime(a: MessageDto, b: MessageDto): number {
  return a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id);
}

/** Keeps the newest version of each message (delivery status moves forward). */
function merge(current: MessageDto[], incoming: MessageDto[]): MessageDto[] {
  const byId = new Map(current.map((message) => [message.id, message]));
  for (const message of incoming) {
    const known = byId.get(message.id);
    if (!known || known.updated_at <= message.updated_at) byId.set(message.id, message);
  }
  return [...byId.values()].sort(byTime);
}

export function threadReducer(state: ThreadState, action: ThreadAction): ThreadState {
  switch (action.type) {
    case 'reset':
      return { ...emptyThread, conversationId: action.conversationId };
    case 'page_loaded':
      if (action.conversationId !== state.conversationId) return state;
      return {
        ...state,
        messages: merge(state.messages, action.newestFirst),
        // The first page decides the cursor; an older page moves it further back.
        olderCursor: action.isOlder || !state.hasLoaded ? action.nextCursor : state.olderCursor,
        hasLoaded: true,
      };
    case 'message_upserted': {
      if (action.message.conversation_id !== state.conversationId) return state;
      const typing = { ...state.typing };
      // A message from an agent ends their typing indicator.
      if (action.message.author_id) delete typing[action.message.author_id];
      return { ...state, messages: merge(state.messages, [action.message]), typing };
    }
    case 'typing_started':
      if (action.conversationId !== state.conversationId) return state;
      return { ...state, typing: { ...state.typing, [action.agentId]: { name: action.name, until: action.until } } };
    case 'typing_stopped': {
      if (action.conversationId !== state.conversationId || !state.typing[action.agentId]) return state;
      const { [action.agentId]: _stopped, ...typing } = state.typing;
      return { ...state, typing };
    }
    case 'typing_expired': {
      const entries = Object.entries(state.typing).filter(([, entry]) => entry.until > action.now);
      if (entries.length === Object.keys(state.typing).length) return state;
      return { ...state, typing: Object.fromEntries(entries) };
    }
  }
}

export type Tick = 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | null;

/** The delivery tick of an outbound message. */
export function tickOf(message: Pick<MessageDto, 'direction' | 'status'>): Tick {
  if (message.direction !== 'outbound') return null;
  return message.status;
}

/**
 * Sends the agent's typing state without flooding: `start` on the first keystroke and
 * again before the server's timeout, `stop` after a pause, on send and on leaving.
 */
export class TypingSignal {
  private isTyping = false;
  private lastStartAt = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (isTyping: boolean) => void,
    private readonly options: { renewMs: number; idleMs: number; now?: () => number } = {
      renewMs: 10_000,
      idleMs: 5_000,
    },
  ) {}

  keystroke(): void {
    const now = (this.options.now ?? Date.now)();
    if (!this.isTyping || now - this.lastStartAt >= this.options.renewMs) {
      this.isTyping = true;
      this.lastStartAt = now;
      this.send(true);
    }
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stop(), this.options.idleMs);
  }

  stop(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (!this.isTyping) return;
    this.isTyping = false;
    this.send(false);
  }
}
