import { describe, expect, it } from 'vitest';
import { conversation } from '../../test-support/fixtures';
import {
  emptyWorkCentre,
  pendingCount,
  reduceWork,
  secondsLeft,
  titleWithCount,
  toastsOf,
  waitingWork,
  workFromConversation,
  workFromMention,
  workFromOffer,
  watchesUnassignedWork,
  type WorkCentreState,
  type WorkEvent,
  type WorkItem,
} from './work-centre';

const ME = '00000000-0000-4000-8000-0000000000b1';
const OTHER = '00000000-0000-4000-8000-0000000000b2';

function item(id: string, overrides: Partial<WorkItem> = {}): WorkItem {
  return {
    id,
    kind: 'awaiting',
    channel: 'whatsapp',
    customer: 'Maria Souza',
    since: '2026-11-23T10:00:00.000Z',
    target: { screen: 'inbox', conversationId: id },
    ...overrides,
  };
}

function run(events: WorkEvent[], state: WorkCentreState = emptyWorkCentre) {
  const alerts = [];
  for (const event of events) {
    const result = reduceWork(state, event);
    state = result.state;
    if (result.alert) alerts.push(result.alert);
  }
  return { state, alerts };
}

describe('the notification centre', () => {
  it('alerts once per item and counts what waits', () => {
    const { state, alerts } = run([
      { type: 'arrived', item: item('a') },
      { type: 'arrived', item: item('b') },
      { type: 'arrived', item: item('a') },
    ]);
    expect(alerts.map((alert) => alert.desktop.id)).toEqual(['a', 'b']);
    expect(alerts.every((alert) => alert.sound === 'chime')).toBe(true);
    expect(pendingCount(state)).toBe(2);
    expect(titleWithCount('Switchboard', pendingCount(state))).toBe('(2) Switchboard');
    expect(titleWithCount('Switchboard', 0)).toBe('Switchboard');
  });

  it('stays quiet about the conversation the agent is looking at', () => {
    const { state, alerts } = run([
      { type: 'viewing', id: 'a' },
      { type: 'arrived', item: item('a', { kind: 'assigned' }) },
    ]);
    expect(alerts).toEqual([]);
    expect(pendingCount(state)).toBe(0);
  });

  it('clears an item when it is opened, and does not bring it back for the same news', () => {
    const { state, alerts } = run([
      { type: 'arrived', item: item('a') },
      { type: 'opened', id: 'a' },
      { type: 'viewing', id: null },
      { type: 'arrived', item: item('a') },
    ]);
    expect(alerts).toHaveLength(1);
    expect(pendingCount(state)).toBe(0);
  });

  it('alerts again when waiting work is then assigned to the agent, keeping one entry', () => {
    const { state, alerts } = run([
      { type: 'arrived', item: item('a') },
      { type: 'arrived', item: item('a', { kind: 'assigned' }) },
    ]);
    expect(alerts).toHaveLength(2);
    expect(state.items).toHaveLength(1);
    expect(state.items[0]!.kind).toBe('assigned');
  });

  it('drops withdrawn work, and alerts again if it comes back', () => {
    const { state, alerts } = run([
      { type: 'arrived', item: item('a') },
      { type: 'withdrawn', id: 'a' },
    ]);
    expect(pendingCount(state)).toBe(0);
    expect(run([{ type: 'arrived', item: item('a') }], state).alerts).toHaveLength(1);
    expect(alerts).toHaveLength(1);
  });

  it('hides a dismissed toast but keeps counting it until opened', () => {
    const { state } = run([
      { type: 'arrived', item: item('a') },
      { type: 'dismissed', id: 'a' },
    ]);
    expect(state.items[0]!.isToastShown).toBe(false);
    expect(pendingCount(state)).toBe(1);
  });

  it('rings for a call offer and counts its seconds down', () => {
    const offer = item('call-1', {
      kind: 'offer',
      channel: 'voice',
      expiresAt: '2026-11-23T10:00:20.000Z',
      target: { screen: 'calls', callId: 'call-1' },
    });
    const { alerts } = run([{ type: 'arrived', item: offer }]);
    expect(alerts[0]!.sound).toBe('ring');
    expect(secondsLeft(offer, Date.parse('2026-11-23T10:00:05.500Z'))).toBe(15);
    expect(secondsLeft(offer, Date.parse('2026-11-23T10:01:00.000Z'))).toBe(0);
    expect(secondsLeft(item('a'), 0)).toBeNull();
  });
});

describe('chats found waiting after the console was away', () => {
  const since = (minute: number) => `2026-11-23T10:${String(minute).padStart(2, '0')}:00.000Z`;

  it('are one toast and one alert when several, counted each, the longest waiting first', () => {
    const { state, alerts } = run([
      {
        type: 'caught_up',
        batch: 'b1',
        arrived: [item('a', { since: since(5) }), item('b', { since: since(1) }), item('c', { since: since(3) })],
      },
    ]);
    expect(pendingCount(state)).toBe(3);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ sound: 'chime', desktop: { id: 'b' }, summary: { batch: 'b1' } });
    expect(alerts[0]!.summary!.items.map(({ id }) => id)).toEqual(['b', 'c', 'a']);
    const [toast, ...others] = toastsOf(state.items);
    expect(others).toEqual([]);
    expect(toast?.type === 'summary' && toast.items.map(({ id }) => id)).toEqual(['b', 'c', 'a']);
  });

  it('are an ordinary toast when only one', () => {
    const { state, alerts } = run([{ type: 'caught_up', batch: 'b1', arrived: [item('a')] }]);
    expect(alerts.map((alert) => alert.summary)).toEqual([undefined]);
    expect(toastsOf(state.items)).toEqual([{ type: 'item', item: { ...item('a'), isToastShown: true } }]);
  });

  it('leave out what the agent was already told of, opened, or has on screen', () => {
    const told = run([
      { type: 'arrived', item: item('a') },
      { type: 'dismissed', id: 'a' },
      { type: 'arrived', item: item('b') },
      { type: 'opened', id: 'b' },
      { type: 'viewing', id: 'c' },
    ]).state;
    const { state, alerts } = run(
      [{ type: 'caught_up', batch: 'b1', arrived: [item('a'), item('b'), item('c')] }],
      told,
    );
    expect(alerts).toEqual([]);
    expect(pendingCount(state)).toBe(1);
    expect(toastsOf(state.items)).toEqual([]);
  });

  it('withdraw the waiting notices of chats that stopped waiting meanwhile, when the list was whole', () => {
    const start = run([
      { type: 'arrived', item: item('a') },
      { type: 'arrived', item: item('b') },
      { type: 'arrived', item: item('m', { kind: 'mention' }) },
    ]).state;
    const whole = run([{ type: 'caught_up', batch: 'b1', arrived: [], waitingIds: new Set(['b']) }], start);
    expect(whole.state.items.map(({ id }) => id)).toEqual(['b', 'm']);
    expect(whole.alerts).toEqual([]);
    const page = run([{ type: 'caught_up', batch: 'b1', arrived: [] }], start);
    expect(page.state).toBe(start);
  });

  it('shrink their toast as each is opened or taken, down to the last one on its own', () => {
    const { state } = run([
      { type: 'arrived', item: item('x') },
      { type: 'caught_up', batch: 'b1', arrived: [item('a'), item('b'), item('c')] },
      { type: 'arrived', item: item('y') },
      { type: 'opened', id: 'a' },
    ]);
    const toasts = toastsOf(state.items);
    expect(toasts.map((toast) => (toast.type === 'item' ? toast.item.id : toast.items.map(({ id }) => id)))).toEqual([
      'x',
      ['b', 'c'],
      'y',
    ]);
    const lastOne = run([{ type: 'withdrawn', id: 'b' }], state).state;
    expect(toastsOf(lastOne.items).map((toast) => toast.type === 'item' && toast.item.id)).toEqual(['x', 'c', 'y']);
  });

  it('leave the summary when one of them is offered to the agent, which needs its own toast', () => {
    const { state } = run([
      { type: 'caught_up', batch: 'b1', arrived: [item('a'), item('b'), item('c')] },
      { type: 'arrived', item: item('a', { kind: 'offer', offerId: 'o1' }) },
    ]);
    expect(
      toastsOf(state.items)
        .map((toast) => toast.type)
        .sort(),
    ).toEqual(['item', 'summary']);
  });
});

describe('waitingWork', () => {
  it('is the waiting notice of a conversation nobody has that waits for an agent, else nothing', () => {
    expect(waitingWork(conversation({ awaiting_human: true }), ME)).toMatchObject({ kind: 'awaiting' });
    expect(waitingWork(conversation({ awaiting_human: true, assignee_id: OTHER }), ME)).toBeNull();
    expect(waitingWork(conversation({ awaiting_human: true, assignee_id: ME }), ME)).toBeNull();
    expect(waitingWork(conversation({ awaiting_human: false }), ME)).toBeNull();
  });
});

describe('workFromConversation', () => {
  it('reads an assignment to me by someone else as work for me', () => {
    const assigned = { ...conversation({ assignee_id: ME }), previous_assignee_id: null };
    expect(workFromConversation('conversation_assigned', assigned, ME)).toMatchObject({
      type: 'arrived',
      item: { id: assigned.id, kind: 'assigned', customer: 'Maria Souza', channel: 'whatsapp' },
    });
  });

  it('ignores other updates of a conversation that is already mine', () => {
    const mine = conversation({ assignee_id: ME });
    expect(workFromConversation('conversation_updated', mine, ME)).toBeNull();
    expect(workFromConversation('conversation_assigned', { ...mine, previous_assignee_id: ME }, ME)).toBeNull();
  });

  it('announces a conversation waiting for a human and withdraws it once someone takes it', () => {
    const waiting = conversation({ awaiting_human: true });
    expect(workFromConversation('conversation_created', waiting, ME)).toMatchObject({
      type: 'arrived',
      item: { kind: 'awaiting' },
    });
    expect(workFromConversation('conversation_assigned', { ...waiting, assignee_id: OTHER }, ME)).toEqual({
      type: 'withdrawn',
      id: waiting.id,
    });
    expect(workFromConversation('conversation_closed', { ...waiting, status: 'resolved' }, ME)).toEqual({
      type: 'withdrawn',
      id: waiting.id,
    });
  });
});

describe('routing offers in the notification centre', () => {
  const CONVERSATION = '00000000-0000-4000-8000-0000000000c1';
  function offer(overrides: Partial<Parameters<typeof workFromOffer>[1]> = {}) {
    return {
      id: '00000000-0000-4000-8000-0000000000f1',
      agent_id: ME,
      channel: 'whatsapp' as const,
      conversation_id: CONVERSATION,
      call_id: null,
      label: 'Maria Souza',
      queue_name: 'Vendas',
      expires_at: '2026-11-23T10:00:20.000Z',
      enqueued_at: '2026-11-23T09:59:00.000Z',
      ...overrides,
    };
  }

  it('turns an offer to me into an offer item with its countdown, queue and the conversation to open', () => {
    const event = workFromOffer('offer_created', offer(), ME);
    expect(event).toEqual({
      type: 'arrived',
      item: {
        id: CONVERSATION,
        kind: 'offer',
        channel: 'whatsapp',
        customer: 'Maria Souza',
        since: '2026-11-23T09:59:00.000Z',
        target: { screen: 'inbox', conversationId: CONVERSATION },
        expiresAt: '2026-11-23T10:00:20.000Z',
        queue: 'Vendas',
        offerId: '00000000-0000-4000-8000-0000000000f1',
      },
    });
    const { state, alerts } = run([event!]);
    expect(pendingCount(state)).toBe(1);
    expect(alerts).toEqual([{ sound: 'chime', desktop: expect.objectContaining({ kind: 'offer' }) }]);
    expect(secondsLeft(state.items[0]!, Date.parse('2026-11-23T10:00:05.000Z'))).toBe(15);
  });

  it('rings for a call offer and leads to the call', () => {
    const event = workFromOffer(
      'offer_created',
      offer({ channel: 'voice', conversation_id: null, call_id: OTHER }),
      ME,
    );
    expect(event).toMatchObject({ type: 'arrived', item: { id: OTHER, target: { screen: 'calls', callId: OTHER } } });
    expect(run([event!]).alerts[0]?.sound).toBe('ring');
  });

  it('ignores offers made to another agent (a manager receives them for the board)', () => {
    expect(workFromOffer('offer_created', offer({ agent_id: OTHER }), ME)).toBeNull();
    expect(workFromOffer('offer_expired', offer({ agent_id: OTHER }), ME)).toBeNull();
  });

  it.each(['offer_expired', 'offer_rejected', 'offer_accepted', 'offer_cancelled'])(
    'withdraws the offer on %s',
    (name) => {
      const { state } = run([workFromOffer('offer_created', offer(), ME)!, workFromOffer(name, offer(), ME)!]);
      expect(pendingCount(state)).toBe(0);
    },
  );

  it('keeps a newer offer of the same conversation when an older one ends late', () => {
    const newer = offer({ id: '00000000-0000-4000-8000-0000000000f2' });
    const { state } = run([workFromOffer('offer_created', newer, ME)!, workFromOffer('offer_expired', offer(), ME)!]);
    expect(state.items.map((pending) => pending.offerId)).toEqual([newer.id]);
  });

  it('upgrades the waiting notice of the same conversation into one offer, alerting again', () => {
    const { state, alerts } = run([
      { type: 'arrived', item: item(CONVERSATION) },
      { type: 'dismissed', id: CONVERSATION },
      workFromOffer('offer_created', offer(), ME)!,
    ]);
    expect(state.items).toHaveLength(1);
    expect(state.items[0]).toMatchObject({ kind: 'offer', isToastShown: true });
    expect(alerts).toHaveLength(2);
  });
});

describe('workFromMention', () => {
  it('announces a mention as its own item that opens the conversation, with a chime', () => {
    const event = workFromMention({
      note_id: '11111111-1111-4111-8111-111111111111',
      conversation_id: '22222222-2222-4222-8222-222222222222',
      author_id: '33333333-3333-4333-8333-333333333333',
      author_name: 'Ana Souza',
      channel: 'whatsapp',
      excerpt: '@Bruno olha',
      created_at: '2026-12-03T10:00:00.000Z',
    });
    expect(event).toMatchObject({
      type: 'arrived',
      item: {
        kind: 'mention',
        customer: 'Ana Souza',
        target: { screen: 'inbox', conversationId: '22222222-2222-4222-8222-222222222222' },
      },
    });
    const result = reduceWork(emptyWorkCentre, event);
    expect(result.state.items).toHaveLength(1);
    expect(result.alert?.sound).toBe('chime');
  });
});

describe('who the work centre watches the unassigned conversations for', () => {
  it('an agent who serves no chat queue, or none at all: they pick chats up by hand', () => {
    expect(watchesUnassignedWork('agent', [])).toBe(true);
    expect(watchesUnassignedWork('agent', [{ channels: ['voice'] }])).toBe(true);
  });

  it('not an agent in a WhatsApp or webchat queue, whom routing offers and assigns chats', () => {
    expect(watchesUnassignedWork('agent', [{ channels: ['voice'] }, { channels: ['whatsapp'] }])).toBe(false);
    expect(watchesUnassignedWork('agent', [{ channels: ['voice', 'webchat'] }])).toBe(false);
  });

  it('not before the queues are read, and never a manager, who receives every conversation', () => {
    expect(watchesUnassignedWork('agent', undefined)).toBe(false);
    expect(watchesUnassignedWork('supervisor', [])).toBe(false);
    expect(watchesUnassignedWork('admin', [{ channels: ['voice'] }])).toBe(false);
  });
});
