import { describe, expect, it } from 'vitest';
import { message } from '../../test-support/fixtures';
import { authorOf, dayKey, failureKindOf, groupThread, relativeDay, type AuthorContext } from './thread-view';

const CONVERSATION = '00000000-0000-4000-8000-00000000aaaa';
const ME = '00000000-0000-4000-8000-0000000000b1';
const ANA = '00000000-0000-4000-8000-0000000000b2';
const context: AuthorContext = { meId: ME, contactName: 'Maria Souza', agentNames: { [ANA]: 'Ana Lima' } };

/** A local time on a given day, so the test holds in any time zone. */
function localIso(day: number, hour: number, minute = 0): string {
  return new Date(2026, 10, day, hour, minute).toISOString();
}

describe('groupThread', () => {
  it('puts a separator per local day and runs of one author under one name', () => {
    const messages = [
      message({ conversation_id: CONVERSATION, created_at: localIso(23, 9), text: 'oi' }),
      message({ conversation_id: CONVERSATION, created_at: localIso(23, 9, 1), text: 'tem alguém?' }),
      message({
        conversation_id: CONVERSATION,
        created_at: localIso(23, 9, 5),
        direction: 'outbound',
        author_type: 'agent',
        author_id: ANA,
        text: 'Olá!',
      }),
      message({ conversation_id: CONVERSATION, created_at: localIso(24, 0, 10), text: 'bom dia' }),
    ];
    const days = groupThread(messages, context);
    expect(days.map((d) => d.day)).toEqual(['2026-11-23', '2026-11-24']);
    expect(days[0]!.groups.map((g) => [g.side, g.author, g.messages.length])).toEqual([
      ['in', { kind: 'contact', name: 'Maria Souza' }, 2],
      ['out', { kind: 'agent', name: 'Ana Lima' }, 1],
    ]);
    expect(days[1]!.groups).toHaveLength(1);
  });

  it('starts a new group when the author changes, even on the same side', () => {
    const messages = [
      message({
        conversation_id: CONVERSATION,
        created_at: localIso(23, 10),
        direction: 'outbound',
        author_type: 'bot',
      }),
      message({
        conversation_id: CONVERSATION,
        created_at: localIso(23, 10, 1),
        direction: 'outbound',
        author_type: 'agent',
        author_id: ME,
      }),
      message({
        conversation_id: CONVERSATION,
        created_at: localIso(23, 10, 2),
        direction: 'internal',
        author_type: 'system',
        author_id: ME,
      }),
    ];
    const groups = groupThread(messages, context)[0]!.groups;
    expect(groups.map((g) => `${g.side}:${g.author.kind}`)).toEqual(['out:bot', 'out:me', 'note:system']);
  });

  it('names today and yesterday, other days by date', () => {
    const now = new Date(2026, 10, 24, 15);
    expect(relativeDay(dayKey(localIso(24, 1)), now)).toBe('today');
    expect(relativeDay(dayKey(localIso(23, 23, 59)), now)).toBe('yesterday');
    expect(relativeDay(dayKey(localIso(22, 12)), now)).toBeNull();
  });
});

describe('authorOf', () => {
  it('tells the customer, me, another agent (by name or unknown), the bot and the system apart', () => {
    expect(authorOf({ author_type: 'contact', author_id: null }, context)).toEqual({
      kind: 'contact',
      name: 'Maria Souza',
    });
    expect(authorOf({ author_type: 'agent', author_id: ME }, context)).toEqual({ kind: 'me', name: null });
    expect(authorOf({ author_type: 'agent', author_id: ANA }, context)).toEqual({ kind: 'agent', name: 'Ana Lima' });
    expect(authorOf({ author_type: 'agent', author_id: '00000000-0000-4000-8000-0000000000ff' }, context)).toEqual({
      kind: 'agent',
      name: null,
    });
    expect(authorOf({ author_type: 'bot', author_id: null }, context).kind).toBe('bot');
    expect(authorOf({ author_type: 'system', author_id: ME }, context).kind).toBe('system');
  });
});

describe('failureKindOf', () => {
  it.each([
    ['WhatsApp unreachable: fetch failed (after 4 attempts)', 'unreachable'],
    ['WhatsApp answered HTTP 502 (after 4 attempts)', 'unavailable'],
    ['WhatsApp refused (HTTP 502): 2 (#2) Service temporarily unavailable: x (after 4 attempts)', 'unavailable'],
    ['WhatsApp refused (HTTP 400): 131030 (#131030) Recipient phone number not in allowed list: …', 'not_allowed'],
    ['WhatsApp refused (HTTP 400): 131047 Re-engagement message', 'window_closed'],
    ['131047 Re-engagement message: Message failed to send because more than 24 hours have passed', 'window_closed'],
    ['131026 Message undeliverable', 'undeliverable'],
    ['WhatsApp refused (HTTP 401): 190 (#190) Error validating access token', 'auth'],
    ['WhatsApp refused (HTTP 429): 130429 Rate limit hit', 'rate_limited'],
    ['132001 Template does not exist', 'template'],
    ['WhatsApp is not configured for this company.', 'not_configured'],
    ['No provider sends webchat messages.', 'not_configured'],
    ['The contact has no WhatsApp id or phone number.', 'no_recipient'],
    ['WhatsApp answered without a message id', 'refused'],
    ['WhatsApp refused (HTTP 400): 999999 Something new', 'refused'],
    ['something nobody foresaw', 'unknown'],
    [null, 'unknown'],
  ])('reads %j as %s', (reason, kind) => {
    expect(failureKindOf(reason)).toBe(kind);
  });
});
