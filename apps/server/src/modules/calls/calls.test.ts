import { describe, expect, it } from 'vitest';
import { CALL_STATUSES, canActOnCall, isTerminal, nextStatus, normalizeNumber, unansweredOutcome } from './calls.js';

describe('call status machine', () => {
  it('moves forward along initiated → ringing → in_progress → completed', () => {
    expect(nextStatus('initiated', 'ringing')).toBe('ringing');
    expect(nextStatus('ringing', 'in_progress')).toBe('in_progress');
    expect(nextStatus('in_progress', 'completed')).toBe('completed');
  });

  it('ignores a repeated or late report', () => {
    expect(nextStatus('ringing', 'ringing')).toBeUndefined();
    expect(nextStatus('in_progress', 'ringing')).toBeUndefined();
    expect(nextStatus('in_progress', 'no_answer')).toBeUndefined();
  });

  it('never leaves a terminal status', () => {
    for (const from of CALL_STATUSES.filter(isTerminal)) {
      for (const to of CALL_STATUSES) expect(nextStatus(from, to)).toBeUndefined();
    }
  });

  it('lets an unanswered call end busy, unanswered, canceled or failed', () => {
    for (const to of ['busy', 'no_answer', 'canceled', 'failed'] as const) {
      expect(nextStatus('initiated', to)).toBe(to);
      expect(nextStatus('ringing', to)).toBe(to);
    }
  });

  it('maps Q.850 causes of unanswered calls', () => {
    expect(unansweredOutcome(17)).toBe('busy');
    expect(unansweredOutcome(19)).toBe('no_answer');
    expect(unansweredOutcome(16)).toBe('canceled');
    expect(unansweredOutcome(1)).toBe('failed');
    expect(unansweredOutcome(null)).toBe('failed');
  });
});

describe('call rules', () => {
  const call = { companyId: 'c1', agentId: 'u1' };
  it('lets agents act on their own calls only, managers on their company', () => {
    expect(canActOnCall({ userId: 'u1', companyId: 'c1', role: 'agent' }, call)).toBe(true);
    expect(canActOnCall({ userId: 'u2', companyId: 'c1', role: 'agent' }, call)).toBe(false);
    expect(canActOnCall({ userId: 'u2', companyId: 'c1', role: 'supervisor' }, call)).toBe(true);
    expect(canActOnCall({ userId: 'u3', companyId: 'c2', role: 'admin' }, call)).toBe(false);
  });

  it('normalizes dialled numbers', () => {
    expect(normalizeNumber(' +55 (11) 98765-4321 ')).toBe('+5511987654321');
    expect(normalizeNumber('1002')).toBe('1002');
  });
});
