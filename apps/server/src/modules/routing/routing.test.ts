import { describe, expect, it } from 'vitest';
import {
  agentStateOf,
  estimateWaitSeconds,
  hasRoom,
  isEligible,
  isOpenAt,
  orderCandidates,
  shouldAnnouncePosition,
  type Candidate,
} from './routing.js';
import { chosenOption, interactiveMenuOf, menuKeyOfReply, menuText, positionText } from './routing.texts.js';

const NOW = new Date('2026-12-03T15:00:00.000Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

function agent(agentId: string, overrides: Partial<Candidate> = {}): Candidate {
  return {
    agentId,
    memberPriority: 0,
    status: 'online',
    isConnected: true,
    wrapUpUntil: null,
    lastItemEndedAt: null,
    skills: {},
    capacity: { whatsapp: 3, webchat: 3 },
    load: { voice: 0, whatsapp: 0, webchat: 0 },
    ...overrides,
  };
}

const queue = (
  strategy: 'longest_idle' | 'least_busy' | 'round_robin' | 'ring_all',
  lastChosenAgentId: string | null = null,
) => ({
  strategy,
  requiredSkills: [],
  lastChosenAgentId,
});
const chat = { channel: 'whatsapp' as const, declinedBy: [] as string[] };
const ids = (candidates: Candidate[]) => candidates.map((c) => c.agentId);

describe('eligibility', () => {
  it('takes only agents online and connected, out of wrap-up, with room and the skills', () => {
    const skilled = { requiredSkills: [{ name: 'espanhol', minLevel: 5 }] };
    expect(isEligible(skilled, 'whatsapp', agent('a', { skills: { espanhol: 5 } }), NOW)).toBe(true);
    expect(isEligible(skilled, 'whatsapp', agent('a', { skills: { espanhol: 4 } }), NOW)).toBe(false);
    expect(isEligible(skilled, 'whatsapp', agent('a'), NOW)).toBe(false);
    const open = { requiredSkills: [] };
    expect(isEligible(open, 'whatsapp', agent('a', { status: 'away' }), NOW)).toBe(false);
    expect(isEligible(open, 'whatsapp', agent('a', { isConnected: false }), NOW)).toBe(false);
    expect(isEligible(open, 'whatsapp', agent('a', { wrapUpUntil: new Date(NOW.getTime() + 1000) }), NOW)).toBe(false);
    expect(isEligible(open, 'whatsapp', agent('a', { wrapUpUntil: NOW }), NOW)).toBe(true);
  });

  it('counts chats against their own capacity and lets a call make the agent busy for everything', () => {
    const capacity = { whatsapp: 2, webchat: 1 };
    expect(hasRoom('whatsapp', capacity, { voice: 0, whatsapp: 1, webchat: 1 })).toBe(true);
    expect(hasRoom('whatsapp', capacity, { voice: 0, whatsapp: 2, webchat: 0 })).toBe(false);
    expect(hasRoom('webchat', capacity, { voice: 0, whatsapp: 2, webchat: 0 })).toBe(true);
    expect(hasRoom('voice', capacity, { voice: 0, whatsapp: 2, webchat: 1 })).toBe(true);
    expect(hasRoom('voice', capacity, { voice: 1, whatsapp: 0, webchat: 0 })).toBe(false);
    expect(hasRoom('webchat', capacity, { voice: 1, whatsapp: 0, webchat: 0 })).toBe(false);
  });
});

describe('strategies', () => {
  it('longest_idle picks the agent whose last item ended longest ago; never is longest', () => {
    const candidates = [
      agent('a', { lastItemEndedAt: ago(10) }),
      agent('b', { lastItemEndedAt: ago(300) }),
      agent('c'),
    ];
    expect(ids(orderCandidates(queue('longest_idle'), chat, candidates, NOW))).toEqual(['c', 'b', 'a']);
  });

  it('longest_idle counts an agent holding an item as not idle, whenever their last one ended', () => {
    const candidates = [
      agent('busy', { lastItemEndedAt: ago(3600), load: { voice: 0, whatsapp: 1, webchat: 0 } }),
      agent('idle', { lastItemEndedAt: ago(5) }),
      agent('busier', { load: { voice: 0, whatsapp: 2, webchat: 0 } }),
    ];
    expect(ids(orderCandidates(queue('longest_idle'), chat, candidates, NOW))).toEqual(['idle', 'busy', 'busier']);
  });

  it('longest_idle breaks ties the same way every time for one item, and spreads them over the agents', () => {
    const tied = ['a', 'b', 'c', 'd'].map((id) => agent(id));
    const firstFor = (entryId: string) =>
      ids(orderCandidates(queue('longest_idle'), { ...chat, id: entryId }, tied, NOW))[0];
    expect(firstFor('entry-1')).toBe(firstFor('entry-1'));
    const firsts = new Map<string, number>();
    for (let i = 0; i < 400; i += 1) {
      const first = firstFor(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)!;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    expect([...firsts.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    for (const count of firsts.values()) expect(count).toBeGreaterThan(50);
  });

  it('least_busy picks the lowest share of capacity in use', () => {
    const candidates = [
      agent('a', { load: { voice: 0, whatsapp: 2, webchat: 0 } }),
      agent('b', { load: { voice: 0, whatsapp: 1, webchat: 0 } }),
      agent('c', { load: { voice: 0, whatsapp: 1, webchat: 0 }, capacity: { whatsapp: 6, webchat: 4 } }),
    ];
    expect(ids(orderCandidates(queue('least_busy'), chat, candidates, NOW))).toEqual(['c', 'b', 'a']);
  });

  it('round_robin starts after the member chosen last and wraps around', () => {
    const candidates = [agent('a'), agent('b'), agent('c')];
    expect(ids(orderCandidates(queue('round_robin', 'b'), chat, candidates, NOW))).toEqual(['c', 'a', 'b']);
    expect(ids(orderCandidates(queue('round_robin', 'c'), chat, candidates, NOW))).toEqual(['a', 'b', 'c']);
    expect(ids(orderCandidates(queue('round_robin'), chat, candidates, NOW))).toEqual(['a', 'b', 'c']);
  });

  it('tries a lower member priority tier first and agents who declined the item last', () => {
    const candidates = [agent('a', { memberPriority: 1 }), agent('b'), agent('c')];
    const entry = { channel: 'whatsapp' as const, declinedBy: ['b'] };
    expect(ids(orderCandidates(queue('longest_idle'), entry, candidates, NOW))).toEqual(['c', 'a', 'b']);
  });

  it('leaves out agents who are not eligible', () => {
    const candidates = [agent('a', { status: 'away' }), agent('b', { load: { voice: 1, whatsapp: 0, webchat: 0 } })];
    expect(orderCandidates(queue('ring_all'), chat, candidates, NOW)).toEqual([]);
  });
});

describe('business hours', () => {
  const hours = {
    ranges: [{ day: 4, from: '09:00', to: '18:00' }],
    closedAction: { action: 'message' as const, text: null },
  };

  it('reads the ranges in the company time zone', () => {
    // 15:00 UTC on Thursday 2026-12-03 is 12:00 in São Paulo (UTC−3).
    expect(isOpenAt(hours, 'America/Sao_Paulo', NOW)).toBe(true);
    expect(isOpenAt(hours, 'America/Sao_Paulo', new Date('2026-12-03T21:30:00.000Z'))).toBe(false);
    expect(isOpenAt(hours, 'Asia/Tokyo', NOW)).toBe(false);
    expect(isOpenAt(null, 'America/Sao_Paulo', NOW)).toBe(true);
  });
});

describe('position announcements', () => {
  it('announces on joining, then on a meaningful move, never twice within a minute', () => {
    expect(shouldAnnouncePosition({ at: null, position: null }, 7, NOW)).toBe(true);
    expect(shouldAnnouncePosition({ at: ago(30), position: 9 }, 2, NOW)).toBe(false);
    expect(shouldAnnouncePosition({ at: ago(61), position: 9 }, 8, NOW)).toBe(false);
    expect(shouldAnnouncePosition({ at: ago(61), position: 9 }, 6, NOW)).toBe(true);
    expect(shouldAnnouncePosition({ at: ago(61), position: 2 }, 1, NOW)).toBe(true);
  });

  it('writes the position and the wait in Portuguese by default', () => {
    expect(positionText('pt-BR', 3, estimateWaitSeconds(3, 120, 2))).toBe(
      'Você é o 3º da fila. Tempo estimado de espera: cerca de 3 min.',
    );
    expect(positionText('en', 1, 20)).toBe('You are next in line. Estimated wait: about 1 min.');
  });
});

describe('menu', () => {
  const options = [
    { key: '1', label: 'Vendas', queue_id: 'q1' },
    { key: '2', label: 'Suporte', queue_id: 'q2' },
  ];

  it('lists the options and reads a bare digit as the answer', () => {
    expect(menuText('pt-BR', null, options)).toBe(
      'Olá! Responda com o número da opção desejada:\n1 - Vendas\n2 - Suporte',
    );
    expect(chosenOption(options, ' 2 ')?.queue_id).toBe('q2');
    expect(chosenOption(options, '2.')?.queue_id).toBe('q2');
    expect(chosenOption(options, 'suporte')).toBeUndefined();
    expect(chosenOption(options, null)).toBeUndefined();
  });
});

describe('agent states', () => {
  it('puts each agent in one board column', () => {
    expect(agentStateOf(agent('a'), NOW)).toBe('available');
    expect(agentStateOf(agent('a', { status: 'away' }), NOW)).toBe('paused');
    expect(agentStateOf(agent('a', { isConnected: false }), NOW)).toBe('offline');
    expect(agentStateOf(agent('a', { wrapUpUntil: new Date(NOW.getTime() + 5000) }), NOW)).toBe('wrap_up');
    expect(agentStateOf(agent('a', { load: { voice: 1, whatsapp: 0, webchat: 0 } }), NOW)).toBe('busy');
  });
});

describe('the menu on WhatsApp', () => {
  const option = (key: string, label: string) => ({ key, label });

  it('is reply buttons up to three short options, a list up to ten, text beyond', () => {
    expect(interactiveMenuOf([option('1', 'Vendas'), option('2', 'Suporte')])).toEqual({
      style: 'button',
      buttonLabel: null,
      options: [
        { id: 'menu:1', title: 'Vendas', description: null },
        { id: 'menu:2', title: 'Suporte', description: null },
      ],
    });
    const four = ['Vendas', 'Suporte', 'Financeiro', 'Ouvidoria'].map((l, i) => option(String(i + 1), l));
    expect(interactiveMenuOf(four)?.style).toBe('list');
    expect(interactiveMenuOf([option('1', 'Segunda via de boleto')])?.style).toBe('list');
    const eleven = Array.from({ length: 11 }, (_, i) => option(String(i + 1), `Opção ${i + 1}`));
    expect(interactiveMenuOf(eleven)).toBeNull();
    expect(interactiveMenuOf([option('1', 'Um texto longo demais para uma linha')])).toBeNull();
  });

  it('reads the option a tap names', () => {
    expect(menuKeyOfReply('menu:2')).toBe('2');
    expect(menuKeyOfReply('rating:2')).toBeUndefined();
    expect(menuKeyOfReply(null)).toBeUndefined();
  });
});
