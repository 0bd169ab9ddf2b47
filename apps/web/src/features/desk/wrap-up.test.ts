import { describe, expect, it } from 'vitest';
import { dispositionPath, wrapUpFromEntry } from './wrap-up';

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
