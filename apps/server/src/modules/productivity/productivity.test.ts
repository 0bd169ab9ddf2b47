import { describe, expect, it } from 'vitest';
import { canEditCanned, excerptOf, findMentions } from './productivity.js';

const users = [
  { userId: 'u1', name: 'Ana Souza' },
  { userId: 'u2', name: 'Ana Lima' },
  { userId: 'u3', name: 'Bruno' },
  { userId: 'u4', name: 'Élida Prado' },
];

describe('findMentions', () => {
  it('finds full names, the longest that matches, in any case', () => {
    expect(findMentions('@ana souza pode ver?', users).map((u) => u.userId)).toEqual(['u1']);
    expect(findMentions('cc @Ana Lima e @Bruno.', users).map((u) => u.userId)).toEqual(['u2', 'u3']);
  });

  it('takes a first name only when one user has it', () => {
    expect(findMentions('@Élida olha isso', users).map((u) => u.userId)).toEqual(['u4']);
    expect(findMentions('@Ana olha isso', users)).toEqual([]);
  });

  it('ignores e-mail addresses, unknown names and repeats', () => {
    expect(findMentions('escreva para bruno@acme.test', users)).toEqual([]);
    expect(findMentions('@Carla @Brunoo', users)).toEqual([]);
    expect(findMentions('@Bruno @bruno', users)).toHaveLength(1);
  });
});

describe('canEditCanned', () => {
  const agent = { userId: 'a', companyId: 'c', role: 'agent' as const };
  const supervisor = { userId: 's', companyId: 'c', role: 'supervisor' as const };

  it('lets managers edit the company’s replies and each user only their own', () => {
    expect(canEditCanned(agent, { ownerId: null })).toBe(false);
    expect(canEditCanned(supervisor, { ownerId: null })).toBe(true);
    expect(canEditCanned(agent, { ownerId: 'a' })).toBe(true);
    expect(canEditCanned(supervisor, { ownerId: 'a' })).toBe(false);
  });
});

describe('excerptOf', () => {
  it('flattens whitespace and cuts long notes with an ellipsis', () => {
    expect(excerptOf('a\n\n b')).toBe('a b');
    expect(excerptOf('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
