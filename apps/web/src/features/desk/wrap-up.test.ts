import { describe, expect, it } from 'vitest';
import {
  dispositionPath,
  loadDismissed,
  rememberDismissed,
  withWrapUp,
  wrapUpFromEntry,
  wrapUpFromServer,
} from './wrap-up';

const ME = '00000000-0000-4000-8000-0000000000b1';
const OTHER = '00000000-0000-4000-8000-0000000000b2';
const CONVERSATION = '00000000-0000-4000-8000-0000000000c1';
const CALL = '00000000-0000-4000-8000-0000000000d1';

function ended(overrides: Partial<Parameters<typeof wrapUpFromEntry>[0]> = {}) {
  return {
    id: '00000000-0000-4000-8000-0000000000e1',
    assigned_to: ME,
    conversation_id: CONVERSATION,
    call_id: null,
    wrap_up_until: '2026-11-23T10:00:30.000Z',
    ...overrides,
  };
}

describe('wrap-up', () => {
  it('starts for the agent who had the closed chat, until the time routing gave', () => {
    const wrapUp = wrapUpFromEntry(ended(), ME);
    expect(wrapUp).toEqual({
      entryId: '00000000-0000-4000-8000-0000000000e1',
      item: { kind: 'conversation', conversationId: CONVERSATION },
      until: '2026-11-23T10:00:30.000Z',
    });
    expect(dispositionPath(wrapUp!)).toBe(`/api/conversations/${CONVERSATION}/disposition`);
  });

  it('stores a call disposition on the call', () => {
    const wrapUp = wrapUpFromEntry(ended({ conversation_id: null, call_id: CALL }), ME);
    expect(dispositionPath(wrapUp!)).toBe(`/api/calls/${CALL}/disposition`);
  });

  it('does not start for another agent, or when the queue has no wrap-up', () => {
    expect(wrapUpFromEntry(ended({ assigned_to: OTHER }), ME)).toBeNull();
    expect(wrapUpFromEntry(ended({ wrap_up_until: null }), ME)).toBeNull();
    expect(wrapUpFromEntry(ended({ wrap_up_until: undefined }), ME)).toBeNull();
  });
});

describe('wrap-up restored on load', () => {
  const ENTRY = '00000000-0000-4000-8000-0000000000e1';
  function running(overrides: Record<string, unknown> = {}) {
    return {
      wrap_up: {
        entry_id: ENTRY,
        queue_id: '00000000-0000-4000-8000-0000000000f1',
        queue_name: 'Vendas',
        channel: 'whatsapp' as const,
        conversation_id: CONVERSATION,
        call_id: null,
        ended_at: '2026-11-23T10:00:00.000Z',
        until: '2026-11-23T10:05:00.000Z',
        disposition_code: null,
        ...overrides,
      },
    };
  }

  it('shows the server’s wrap-up with its end time', () => {
    expect(wrapUpFromServer(running(), new Set())).toEqual({
      entryId: ENTRY,
      item: { kind: 'conversation', conversationId: CONVERSATION },
      until: '2026-11-23T10:05:00.000Z',
    });
    expect(wrapUpFromServer(running({ conversation_id: null, call_id: CALL }), new Set())?.item).toEqual({
      kind: 'call',
      callId: CALL,
    });
  });

  it('shows nothing without a wrap-up, once a disposition is given, or after the agent dismissed it', () => {
    expect(wrapUpFromServer({ wrap_up: null }, new Set())).toBeNull();
    expect(wrapUpFromServer(running({ disposition_code: 'venda' }), new Set())).toBeNull();
    expect(wrapUpFromServer(running(), new Set([ENTRY]))).toBeNull();
  });

  it('keeps one banner per entry when the event and the load both bring it', () => {
    const fromEvent = wrapUpFromEntry(ended(), ME)!;
    const fromLoad = wrapUpFromServer(running(), new Set())!;
    expect(withWrapUp(withWrapUp([], fromEvent), fromLoad)).toEqual([fromLoad]);
  });

  it('remembers dismissed banners in the session storage, the last twenty', () => {
    const values = new Map<string, string>();
    const storage = {
      getItem: (key: string) => values.get(key) ?? null,
      setItem: (key: string, value: string) => void values.set(key, value),
    };
    for (let i = 0; i < 25; i += 1) rememberDismissed(storage, `entry-${i}`);
    const dismissed = loadDismissed(storage);
    expect(dismissed.size).toBe(20);
    expect(dismissed.has('entry-24')).toBe(true);
    expect(dismissed.has('entry-4')).toBe(false);
    values.set('switchboard.wrap-up.dismissed', 'not json');
    expect(loadDismissed(storage).size).toBe(0);
    expect(loadDismissed(undefined).size).toBe(0);
  });
});
