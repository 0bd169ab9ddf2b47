/** Wire objects for tests, shaped by the contracts. */
import type { ConversationDto, MessageDto } from '@switchboard/contracts';

let counter = 0;
export function conversation(overrides: Partial<ConversationDto> = {}): ConversationDto {
  counter += 1;
  const id = overrides.id ?? `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
  return {
    id,
    conversation_id: id,
    channel: 'whatsapp',
    status: 'open',
    snoozed_until: null,
    awaiting_human: false,
    assignee_id: null,
    priority: 'normal',
    rating: null,
    rated_by: null,
    feedback: null,
    window_expires_at: null,
    contact: {
      id: '00000000-0000-4000-8000-00000000c0c0',
      name: 'Maria Souza',
      phone: '+5511987654321',
      email: null,
      identities: [],
      created_at: '2026-11-23T10:00:00.000Z',
    },
    last_message_at: '2026-11-23T10:00:00.000Z',
    last_message_preview: 'Oi',
    last_activity_at: '2026-11-23T10:00:00.000Z',
    resolved_at: null,
    created_at: '2026-11-23T10:00:00.000Z',
    updated_at: '2026-11-23T10:00:00.000Z',
    favorite: false,
    last_read_at: null,
    ...overrides,
  };
}

export function message(overrides: Partial<MessageDto> & Pick<MessageDto, 'conversation_id'>): MessageDto {
  counter += 1;
  const id = overrides.id ?? `00000000-0000-4000-9000-${String(counter).padStart(12, '0')}`;
  return {
    id,
    message_id: id,
    direction: 'inbound',
    author_type: 'contact',
    author_id: null,
    type: 'text',
    text: 'Olá',
    media: null,
    status: null,
    failure_reason: null,
    channel_message_id: null,
    metadata: null,
    content: null,
    reply_to: null,
    created_at: '2026-11-23T10:05:00.000Z',
    updated_at: '2026-11-23T10:05:00.000Z',
    ...overrides,
  };
}
