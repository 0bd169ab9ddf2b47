import { describe, expect, it } from 'vitest';
import {
  addStep,
  closeSpans,
  isCoaching,
  isExtension,
  snoopOf,
  switchSpans,
  unansweredConsultReason,
} from './call-sessions.js';

describe('monitor modes', () => {
  it('listens and whispers through a snoop that hears both ways; whisper speaks toward the agent only', () => {
    expect(snoopOf('listen')).toEqual({ spy: 'both', whisper: 'none' });
    expect(snoopOf('whisper')).toEqual({ spy: 'both', whisper: 'out' });
    expect(snoopOf('barge')).toBeUndefined();
  });

  it('tells the agent about whisper and barge, never about listen', () => {
    expect([isCoaching('listen'), isCoaching('whisper'), isCoaching('barge')]).toEqual([false, true, true]);
  });

  it('closes the open span and opens the next one at the same instant', () => {
    const t0 = new Date('2026-12-03T10:00:00Z');
    const t1 = new Date('2026-12-03T10:00:30Z');
    const t2 = new Date('2026-12-03T10:01:00Z');
    const spans = switchSpans([{ mode: 'listen', from: t0.toISOString(), to: null }], 'whisper', t1);
    expect(spans).toEqual([
      { mode: 'listen', from: t0.toISOString(), to: t1.toISOString() },
      { mode: 'whisper', from: t1.toISOString(), to: null },
    ]);
    expect(closeSpans(spans, t2).at(-1)).toEqual({ mode: 'whisper', from: t1.toISOString(), to: t2.toISOString() });
    expect(closeSpans(spans, t2)[0]?.to).toBe(t1.toISOString());
  });
});

describe('consults', () => {
  it('names why an unanswered consult ended from the Q.850 cause', () => {
    expect([17, 18, 19, 16, 21, 34, null].map(unansweredConsultReason)).toEqual([
      'busy',
      'no_answer',
      'no_answer',
      'rejected',
      'rejected',
      'failed',
      'failed',
    ]);
  });

  it('keeps the story in order without changing the earlier steps', () => {
    const first = addStep([], 'started', null, new Date('2026-12-03T10:00:00Z'));
    const second = addStep(first, 'answered', 'target', new Date('2026-12-03T10:00:05Z'));
    expect(first).toHaveLength(1);
    expect(second.map((s) => [s.step, s.agent_with])).toEqual([
      ['started', null],
      ['answered', 'target'],
    ]);
  });

  it('takes short digit strings for extensions and anything longer for numbers', () => {
    expect(['1002', '42', '5511987654321', '+551133334444', '1'].map(isExtension)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
