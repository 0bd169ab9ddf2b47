import { describe, expect, it } from 'vitest';
import type { ConversationDto, ConversationEventDto } from '@switchboard/contracts';
import { conversation, message } from '../../test-support/fixtures';
import { emptyInbox, inboxReducer, matchesFilter, type InboxState } from './inbox-model';

const ME = '00000000-0000-4000-8000-0000000000a1';
const OTHER = '00000000-0000-4000-8000-0000000000b2';

function eventOf(c: ConversationDto, overrides: Partial<ConversationEventDto> = {}): ConversationEventDto {
  const { favorite: _favorite, ...rest } = c;
  return { ...rest, previous_assignee_id: null, ...overrides };
}

function loaded(items: ConversationDto[]): InboxState {
  return inboxReducer(emptyInbox, { type: 'loaded', items, nextCursor: null, isNextPage: false, lastRead: {} });
}

describe('matchesFilter', () => {
  it('applies the API filters on the client for live events', () => {
    const mine = conversation({ assignee_id: ME });
    const waiting = conversation({ awaiting_human: true });
    const starred = conversation({ favorite: true, assignee_id: OTHER });
    expect(matchesFilter(mine, { filter: 'mine' }, ME)).toBe(true);
    expect(matchesFilter(waiting, { filter: 'mine' }, ME)).toBe(false);
    expect(matchesFilter(waiting, { filter: 'unassigned' }, ME)).toBe(true);
    expect(matchesFilter(mine, { filter: 'unassigned' }, ME)).toBe(false);
    expect(matchesFilter(waiting, { filter: 'awaiting_human' }, ME)).toBe(true);
    expect(matchesFilter(starred, { filter: 'favorites' }, ME)).toBe(true);
    expect(matchesFilter(mine, { status: 'resolved' }, ME)).toBe(false);
    expect(matchesFilter(mine, { channel: 'webchat' }, ME)).toBe(false);
    expect(matchesFilter(mine, { q: 'souza' }, ME)).toBe(true);
    expect(matchesFilter(mine, { q: '98765' }, ME)).toBe(true);
    expect(matchesFilter(mine, { q: 'joão' }, ME)).toBe(false);
  });
});

describe('inboxReducer', () => {
  it('marks conversations with messages after the last read as unread on load', () => {
    const read = conversation({ last_message_at: '2026-11-23T09:00:00.000Z' });
    const fresh = conversation({ last_message_at: '2026-11-23T11:00:00.000Z' });
    const state = inboxReducer(emptyInbox, {
      type: 'loaded',
      items: [fresh, read],
      nextCursor: 'next',
      isNextPage: false,
      lastRead: { [read.id]: '2026-11-23T10:00:00.000Z', [fresh.id]: '2026-11-23T10:00:00.000Z' },
    });
    expect(state.unread).toEqual({ [fresh.id]: 0 });
    expect(state.nextCursor).toBe('next');
  });

  it('takes the later of this browser’s read mark and the server’s (read on another device)', () => {
    const readElsewhere = conversation({
      last_message_at: '2026-11-23T11:00:00.000Z',
      last_read_at: '2026-11-23T11:30:00.000Z',
    });
    const readHere = conversation({ last_message_at: '2026-11-23T11:00:00.000Z', last_read_at: null });
    const unreadBoth = conversation({
      last_message_at: '2026-11-23T11:00:00.000Z',
      last_read_at: '2026-11-23T10:00:00.000Z',
    });
    const state = inboxReducer(emptyInbox, {
      type: 'loaded',
      items: [readElsewhere, readHere, unreadBoth],
      nextCursor: null,
      isNextPage: false,
      lastRead: { [readHere.id]: '2026-11-23T11:10:00.000Z', [unreadBoth.id]: '2026-11-23T09:00:00.000Z' },
    });
    expect(state.unread).toEqual({ [unreadBoth.id]: 0 });
  });

  it('adds a new conversation that matches the filter, newest activity first', () => {
    const old = conversation({ last_activity_at: '2026-11-23T09:00:00.000Z' });
    const created = conversation({ last_activity_at: '2026-11-23T12:00:00.000Z', awaiting_human: true });
    const state = inboxReducer(loaded([old]), {
      type: 'conversation_changed',
      conversation: eventOf(created),
      filter: { status: 'open' },
      meId: ME,
    });
    expect(state.items.map((c) => c.id)).toEqual([created.id, old.id]);
    expect(state.items[0]?.favorite).toBe(false);
  });

  it('removes a conversation that stops matching (taken by a colleague from the unassigned view)', () => {
    const c = conversation();
    const state = inboxReducer(loaded([c]), {
      type: 'conversation_changed',
      conversation: eventOf(c, { assignee_id: OTHER, updated_at: '2026-11-23T10:01:00.000Z' }),
      filter: { filter: 'unassigned' },
      meId: ME,
    });
    expect(state.items).toEqual([]);
  });

  it('keeps the star of the user when an event (which has no star) updates the conversation', () => {
    const c = conversation({ favorite: true });
    const state = inboxReducer(loaded([c]), {
      type: 'conversation_changed',
      conversation: eventOf(c, { priority: 'high', updated_at: '2026-11-23T10:01:00.000Z' }),
      filter: {},
      meId: ME,
    });
    expect(state.items[0]).toMatchObject({ favorite: true, priority: 'high' });
    expect(state.items[0]).not.toHaveProperty('previous_assignee_id');
  });

  it('never lets an older version replace a newer one', () => {
    const c = conversation({ updated_at: '2026-11-23T10:05:00.000Z', priority: 'urgent' });
    const state = loaded([c]);
    const next = inboxReducer(state, {
      type: 'conversation_changed',
      conversation: eventOf(c, { updated_at: '2026-11-23T10:00:00.000Z', priority: 'low' }),
      filter: {},
      meId: ME,
    });
    expect(next).toBe(state);
  });

  it('counts inbound messages of conversations not open, and moves them to the top with a preview', () => {
    const a = conversation({ last_activity_at: '2026-11-23T10:00:00.000Z' });
    const b = conversation({ last_activity_at: '2026-11-23T11:00:00.000Z' });
    let state = loaded([b, a]);
    const incoming = message({
      conversation_id: a.id,
      text: 'Preciso de ajuda',
      created_at: '2026-11-23T12:00:00.000Z',
    });
    state = inboxReducer(state, { type: 'message_created', message: incoming, openConversationId: null });
    state = inboxReducer(state, {
      type: 'message_created',
      message: message({ conversation_id: a.id, created_at: '2026-11-23T12:01:00.000Z', text: 'Alô?' }),
      openConversationId: null,
    });
    expect(state.items.map((c) => c.id)).toEqual([a.id, b.id]);
    expect(state.items[0]).toMatchObject({ last_message_preview: 'Alô?', last_message_at: '2026-11-23T12:01:00.000Z' });
    expect(state.unread[a.id]).toBe(2);
  });

  it('does not count messages of the open conversation, nor the agent’s own', () => {
    const a = conversation();
    let state = loaded([a]);
    state = inboxReducer(state, {
      type: 'message_created',
      message: message({ conversation_id: a.id }),
      openConversationId: a.id,
    });
    state = inboxReducer(state, {
      type: 'message_created',
      message: message({ conversation_id: a.id, direction: 'outbound', author_type: 'agent', author_id: ME }),
      openConversationId: null,
    });
    expect(state.unread[a.id] ?? 0).toBe(0);
  });

  it('clears the unread count when the conversation is opened', () => {
    const a = conversation();
    let state = inboxReducer(loaded([a]), {
      type: 'message_created',
      message: message({ conversation_id: a.id }),
      openConversationId: null,
    });
    state = inboxReducer(state, { type: 'opened', conversationId: a.id });
    expect(state.unread).toEqual({});
  });

  it('removes an unstarred conversation from the favorites view', () => {
    const a = conversation({ favorite: true });
    const state = inboxReducer(loaded([a]), {
      type: 'favorite_changed',
      conversationId: a.id,
      favorite: false,
      filter: { filter: 'favorites' },
    });
    expect(state.items).toEqual([]);
  });

  it('appends a next page without duplicates', () => {
    const a = conversation();
    const b = conversation();
    const state = inboxReducer(loaded([a]), {
      type: 'loaded',
      items: [a, b],
      nextCursor: null,
      isNextPage: true,
      lastRead: {},
    });
    expect(state.items.map((c) => c.id)).toEqual([a.id, b.id]);
  });
});

describe('label filter', () => {
  it('keeps listed conversations up to date but adds none from events (they carry no labels)', () => {
    const listed = conversation({ id: 'c1', updated_at: '2026-12-03T10:00:00.000Z' });
    const state = { ...emptyInbox, items: [listed] };
    const filter = { label: 'l1' };
    const other = conversation({ id: 'c2', updated_at: '2026-12-03T10:05:00.000Z' });
    expect(
      inboxReducer(state, { type: 'conversation_changed', conversation: other, filter, meId: 'me' }).items,
    ).toEqual([listed]);
    const newer = { ...listed, updated_at: '2026-12-03T10:06:00.000Z', last_message_preview: 'novo' };
    const after = inboxReducer(state, { type: 'conversation_changed', conversation: newer, filter, meId: 'me' });
    expect(after.items[0]?.last_message_preview).toBe('novo');
  });
});
