import { describe, expect, it } from 'vitest';
import type { AgentPresenceChanged, AgentPresenceDto } from '@switchboard/contracts';
import {
  agentsOf,
  applyPresenceChange,
  boardOf,
  pauseOf,
  pauseReasonIdOf,
  secondsInStatus,
  sortBoard,
} from './presence-model';

function presence(overrides: Partial<AgentPresenceDto>): AgentPresenceDto {
  return {
    agent_id: '00000000-0000-4000-8000-000000000001',
    agent_name: 'Ana',
    role: 'agent',
    status: 'offline',
    message: null,
    last_heartbeat: null,
    websocket_connected: false,
    status_changed_at: null,
    is_available: false,
    is_inactive: true,
    time_in_status_seconds: null,
    pause_reason: null,
    ...overrides,
  };
}

function change(overrides: Partial<AgentPresenceChanged>): AgentPresenceChanged {
  return {
    agent_id: '00000000-0000-4000-8000-000000000001',
    status: 'online',
    previous_status: 'offline',
    message: null,
    websocket_connected: true,
    is_available: true,
    status_changed_at: '2026-11-23T10:00:00.000Z',
    reason: 'status_updated',
    pause_reason: null,
    timestamp: '2026-11-23T10:00:00.000Z',
    ...overrides,
  };
}

describe('presence board', () => {
  it('applies a change: status, message, connection, availability', () => {
    const board = boardOf([presence({})]);
    const { board: next, isUnknownAgent } = applyPresenceChange(board, change({ message: 'Plantão' }));
    expect(isUnknownAgent).toBe(false);
    expect(next['00000000-0000-4000-8000-000000000001']).toMatchObject({
      status: 'online',
      message: 'Plantão',
      websocket_connected: true,
      is_available: true,
      is_inactive: false,
      status_changed_at: '2026-11-23T10:00:00.000Z',
    });
  });

  it('reports an agent it does not know so the list is reloaded', () => {
    const board = boardOf([presence({})]);
    const result = applyPresenceChange(board, change({ agent_id: '00000000-0000-4000-8000-000000000009' }));
    expect(result).toEqual({ board, isUnknownAgent: true });
  });

  it('marks an agent timed out by the sweeper as inactive', () => {
    const board = boardOf([presence({ status: 'online', is_inactive: false, websocket_connected: true })]);
    const { board: next } = applyPresenceChange(
      board,
      change({
        status: 'offline',
        previous_status: 'online',
        reason: 'timeout',
        websocket_connected: false,
        is_available: false,
      }),
    );
    expect(next['00000000-0000-4000-8000-000000000001']).toMatchObject({ status: 'offline', is_inactive: true });
  });

  it('ignores a change older than what it shows', () => {
    const board = boardOf([presence({ status: 'busy', status_changed_at: '2026-11-23T11:00:00.000Z' })]);
    expect(applyPresenceChange(board, change({ status_changed_at: '2026-11-23T10:00:00.000Z' })).board).toBe(board);
  });

  it('counts the time in status from when it changed', () => {
    expect(
      secondsInStatus({ status_changed_at: '2026-11-23T10:00:00.000Z' }, Date.parse('2026-11-23T10:02:05.500Z')),
    ).toBe(125);
    expect(secondsInStatus({ status_changed_at: null }, 0)).toBeNull();
  });

  it('lists available agents first, then by status and name', () => {
    const board = boardOf([
      presence({ agent_id: 'a', agent_name: 'Zé', status: 'away' }),
      presence({ agent_id: 'b', agent_name: 'Bia', status: 'online', is_available: true }),
      presence({ agent_id: 'c', agent_name: 'Ana', status: 'online', is_available: false }),
      presence({ agent_id: 'd', agent_name: 'Caio', status: 'busy' }),
    ]);
    expect(sortBoard(board, 'pt-BR').map((p) => p.agent_name)).toEqual(['Bia', 'Ana', 'Caio', 'Zé']);
  });
});

describe('agentsOf', () => {
  it('lists only users with the agent role, not admins or supervisors', () => {
    const people = [
      presence({ agent_id: 'a', agent_name: 'Ana', role: 'agent' }),
      presence({ agent_id: 'b', agent_name: 'Bia', role: 'admin' }),
      presence({ agent_id: 'c', agent_name: 'Caio', role: 'supervisor' }),
      presence({ agent_id: 'd', agent_name: 'Duda', role: 'agent' }),
    ];
    expect(agentsOf(people).map((person) => person.agent_name)).toEqual(['Ana', 'Duda']);
  });
});

describe('pause reasons', () => {
  it('explains an away set by routing for missed offers apart from a chosen reason', () => {
    expect(pauseOf(presence({ status: 'away', pause_reason: 'missed_offers' }))).toEqual({ kind: 'missed_offers' });
    expect(pauseOf(presence({ status: 'away', pause_reason: 'Almoço' }))).toEqual({ kind: 'reason', name: 'Almoço' });
    expect(pauseOf(presence({ status: 'away', pause_reason: null }))).toEqual({ kind: 'none' });
  });

  it('says nothing of a reason once the agent is back', () => {
    expect(pauseOf(presence({ status: 'online', pause_reason: 'Almoço' }))).toEqual({ kind: 'none' });
  });

  it('finds the menu choice by the reason name, or none for a reason no longer offered', () => {
    const reasons = [
      { id: 'r1', name: 'Almoço' },
      { id: 'r2', name: 'Treinamento' },
    ];
    expect(pauseReasonIdOf(reasons, 'Treinamento')).toBe('r2');
    expect(pauseReasonIdOf(reasons, 'Pausa NR-17')).toBe('');
    expect(pauseReasonIdOf(reasons, null)).toBe('');
  });
});
