import { describe, expect, it } from 'vitest';
import type { InboundMessage } from './conversations.js';
import type { ConversationRow } from './conversations.repository.js';
import { ratingOf, ratingRoleOf } from './conversations.ratings.js';

const asked = new Date('2026-12-01T12:00:00Z');
const row = (overrides: Partial<ConversationRow>) =>
  ({
    status: 'resolved',
    ratingRequestedAt: asked,
    ratedBy: null,
    ratedAt: null,
    feedback: null,
    ...overrides,
  }) as ConversationRow;
const reply = (replyId: string): InboundMessage => ({
  channel: 'whatsapp',
  channelMessageId: 'wamid.x',
  externalId: '5511',
  phone: null,
  profileName: null,
  sentAt: null,
  type: 'text',
  text: '5 - Excelente',
  media: null,
  content: { kind: 'interactive_reply', reply_type: 'list', reply_id: replyId, title: '5 - Excelente' },
});
const text = (body: string): InboundMessage => ({ ...reply('x'), text: body, content: null });

describe('customer ratings', () => {
  it('reads the score of a rating reply only', () => {
    expect(ratingOf(reply('rating:4').content)).toBe(4);
    expect(ratingOf(reply('rating:6').content)).toBeUndefined();
    expect(ratingOf(reply('menu:1').content)).toBeUndefined();
  });

  it('counts an answer to a resolved conversation within 7 days, keeps later or reopened ones uncounted', () => {
    const within = new Date(asked.getTime() + 6 * 24 * 3600_000);
    const late = new Date(asked.getTime() + 7 * 24 * 3600_000 + 1);
    expect(ratingRoleOf(row({}), reply('rating:5'), within)).toEqual({ kind: 'answer', score: 5, isCounted: true });
    expect(ratingRoleOf(row({}), reply('rating:5'), late)).toEqual({ kind: 'answer', score: 5, isCounted: false });
    expect(ratingRoleOf(row({ status: 'open' }), reply('rating:2'), within)).toEqual({
      kind: 'answer',
      score: 2,
      isCounted: false,
    });
    expect(ratingRoleOf(row({ ratingRequestedAt: null }), reply('rating:5'), within)).toBeUndefined();
  });

  it('takes the text right after a counted answer as its comment, and nothing later', () => {
    const ratedAt = new Date('2026-12-01T12:05:00Z');
    const rated = row({ ratedBy: 'customer', ratedAt });
    expect(ratingRoleOf(rated, text('Ótimo'), new Date(ratedAt.getTime() + 60_000))).toEqual({ kind: 'comment' });
    expect(ratingRoleOf(rated, text('Outra coisa'), new Date(ratedAt.getTime() + 11 * 60_000))).toBeUndefined();
    expect(ratingRoleOf(row({ ratedBy: 'agent', ratedAt }), text('oi'), ratedAt)).toBeUndefined();
  });
});
