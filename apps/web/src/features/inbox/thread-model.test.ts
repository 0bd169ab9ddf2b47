import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { message } from '../../test-support/fixtures';
import { emptyThread, threadReducer, tickOf, TypingSignal, type ThreadState } from './thread-model';

const CONVERSATION = '00000000-0000-4000-8000-00000000aaaa';
const AGENT = '00000000-0000-4000-8000-0000000000b2';

function at(minute: number) {
  return `2026-11-23T10:${String(minute).padStart(2, '0')}:00.000Z`;
}

function opened(): ThreadState {
  return threadReducer(emptyThread, { type: 'reset', conversationId: CONVERSATION });
}

describe('threadReducer', () => {
  it('shows the newest page oldest first and keeps its cursor for older messages', () => {
    const page = [3, 2, 1].map((m) => message({ conversation_id: CONVERSATION, created_at: at(m), text: `m${m}` }));
    const state = threadReducer(opened(), {
      type: 'page_loaded',
      conversationId: CONVERSATION,
      newestFirst: page,
      nextCursor: 'c1',
      isOlder: false,
    });
    expect(state.messages.map((m) => m.text)).toEqual(['m1', 'm2', 'm3']);
    expect(state.olderCursor).toBe('c1');
  });

  it('prepends older pages and stops at the first message', () => {
    let state = threadReducer(opened(), {
      type: 'page_loaded',
      conversationId: CONVERSATION,
      newestFirst: [message({ conversation_id: CONVERSATION, created_at: at(5), text: 'new' })],
      nextCursor: 'c1',
      isOlder: false,
    });
    state = threadReducer(state, {
      type: 'page_loaded',
      conversationId: CONVERSATION,
      newestFirst: [message({ conversation_id: CONVERSATION, created_at: at(1), text: 'old' })],
      nextCursor: null,
      isOlder: true,
    });
    expect(state.messages.map((m) => m.text)).toEqual(['old', 'new']);
    expect(state.olderCursor).toBeNull();
  });

  it('shows a message once when the API answer and the socket echo both arrive', () => {
    const sent = message({ conversation_id: CONVERSATION, direction: 'outbound', status: 'queued', updated_at: at(1) });
    let state = threadReducer(opened(), { type: 'message_upserted', message: sent });
    state = threadReducer(state, { type: 'message_upserted', message: { ...sent, status: 'sent', updated_at: at(2) } });
    state = threadReducer(state, { type: 'message_upserted', message: sent });
    expect(state.messages).toHaveLength(1);
    expect(state.messages[0]?.status).toBe('sent');
  });

  it('moves delivery ticks forward only', () => {
    const sent = message({
      conversation_id: CONVERSATION,
      direction: 'outbound',
      status: 'delivered',
      updated_at: at(3),
    });
    let state = threadReducer(opened(), { type: 'message_upserted', message: sent });
    state = threadReducer(state, { type: 'message_upserted', message: { ...sent, status: 'read', updated_at: at(4) } });
    state = threadReducer(state, { type: 'message_upserted', message: { ...sent, status: 'sent', updated_at: at(2) } });
    expect(tickOf(state.messages[0]!)).toBe('read');
  });

  it('ignores messages of other conversations', () => {
    const state = opened();
    expect(threadReducer(state, { type: 'message_upserted', message: message({ conversation_id: AGENT }) })).toBe(
      state,
    );
  });

  it('shows colleagues typing until they stop, send, or their indicator expires', () => {
    let state = threadReducer(opened(), {
      type: 'typing_started',
      conversationId: CONVERSATION,
      agentId: AGENT,
      name: 'Bia',
      until: 10_000,
    });
    expect(state.typing[AGENT]?.name).toBe('Bia');
    state = threadReducer(state, {
      type: 'message_upserted',
      message: message({
        conversation_id: CONVERSATION,
        direction: 'outbound',
        author_type: 'agent',
        author_id: AGENT,
      }),
    });
    expect(state.typing).toEqual({});
    state = threadReducer(state, {
      type: 'typing_started',
      conversationId: CONVERSATION,
      agentId: AGENT,
      name: 'Bia',
      until: 10_000,
    });
    expect(threadReducer(state, { type: 'typing_expired', now: 9_000 })).toBe(state);
    expect(threadReducer(state, { type: 'typing_expired', now: 10_001 }).typing).toEqual({});
    expect(
      threadReducer(state, { type: 'typing_stopped', conversationId: CONVERSATION, agentId: AGENT }).typing,
    ).toEqual({});
  });

  it('has no tick for inbound messages', () => {
    expect(tickOf({ direction: 'inbound', status: null })).toBeNull();
    expect(tickOf({ direction: 'outbound', status: 'failed' })).toBe('failed');
  });
});

describe('TypingSignal', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts once, renews before the server timeout, and stops after a pause', () => {
    const sent: boolean[] = [];
    let now = 0;
    const signal = new TypingSignal((isTyping) => sent.push(isTyping), {
      renewMs: 10_000,
      idleMs: 5_000,
      now: () => now,
    });
    signal.keystroke();
    now = 2_000;
    vi.advanceTimersByTime(2_000);
    signal.keystroke();
    expect(sent).toEqual([true]);
    for (let i = 0; i < 5; i += 1) {
      now += 3_000;
      vi.advanceTimersByTime(3_000);
      signal.keystroke();
    }
    expect(sent).toEqual([true, true]);
    vi.advanceTimersByTime(5_000);
    expect(sent).toEqual([true, true, false]);
  });

  it('stops at once on send and does not repeat a stop', () => {
    const sent: boolean[] = [];
    const signal = new TypingSignal((isTyping) => sent.push(isTyping));
    signal.keystroke();
    signal.stop();
    signal.stop();
    vi.advanceTimersByTime(10_000);
    expect(sent).toEqual([true, false]);
  });
});
