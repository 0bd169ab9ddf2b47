import { describe, expect, it } from 'vitest';
import { backoffDelayMs, isRetryableStatus } from './whatsapp.client.js';
import { describeError, isValidSignature, parseDelivery, phoneOfWaId, signatureOf } from './whatsapp.webhook.js';

const secret = '0123456789abcdef0123456789abcdef';

describe('X-Hub-Signature-256', () => {
  const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');

  it('accepts the HMAC-SHA256 of the exact bytes with the app secret', () => {
    expect(isValidSignature(body, signatureOf(body, secret), secret)).toBe(true);
    expect(isValidSignature(body, signatureOf(body, secret).toUpperCase().replace('SHA256', 'sha256'), secret)).toBe(
      true,
    );
  });

  it('refuses a missing, malformed, foreign or stale signature', () => {
    expect(isValidSignature(body, undefined, secret)).toBe(false);
    expect(isValidSignature(body, 'sha1=abc', secret)).toBe(false);
    expect(isValidSignature(body, `sha256=${'0'.repeat(64)}`, secret)).toBe(false);
    expect(isValidSignature(body, signatureOf(body, 'another-secret'), secret)).toBe(false);
    expect(isValidSignature(Buffer.from(`${body.toString()} `), signatureOf(body, secret), secret)).toBe(false);
  });
});

describe('webhook payloads', () => {
  const envelope = (value: Record<string, unknown>) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
              ...value,
            },
          },
        ],
      },
    ],
  });

  it('normalises text, buttons, interactive replies, locations and media', () => {
    const delivery = parseDelivery(
      envelope({
        contacts: [{ profile: { name: 'Maria' }, wa_id: '5511987654321' }],
        messages: [
          { from: '5511987654321', id: 'wamid.1', timestamp: '1750857384', type: 'text', text: { body: 'oi' } },
          { from: '5511987654321', id: 'wamid.2', type: 'button', button: { text: 'Sim', payload: 'YES' } },
          {
            from: '5511987654321',
            id: 'wamid.3',
            type: 'interactive',
            interactive: { type: 'list_reply', list_reply: { id: 'x', title: 'Suporte' } },
          },
          {
            from: '5511987654321',
            id: 'wamid.4',
            type: 'location',
            location: { latitude: -23.5, longitude: -46.6, name: 'Loja' },
          },
          {
            from: '5511987654321',
            id: 'wamid.5',
            type: 'document',
            document: { id: '42', mime_type: 'application/pdf', sha256: 'h', filename: 'boleto.pdf' },
          },
          { from: '5511987654321', id: 'wamid.6', type: 'reaction', reaction: { message_id: 'x', emoji: '👍' } },
        ],
      }),
    );
    expect(delivery?.phoneNumberIds).toEqual(['106540352242922']);
    expect(delivery?.messages.map((m) => [m.messageId, m.kind, m.text])).toEqual([
      ['wamid.1', 'text', 'oi'],
      ['wamid.2', 'text', 'Sim'],
      ['wamid.3', 'text', 'Suporte'],
      ['wamid.4', 'text', 'Location: -23.5, -46.6 (Loja)'],
      ['wamid.5', 'media', null],
      ['wamid.6', 'text', '👍'],
    ]);
    expect(delivery?.messages[1]?.content).toEqual({
      kind: 'interactive_reply',
      reply_type: 'button',
      reply_id: 'YES',
      title: 'Sim',
    });
    expect(delivery?.messages[2]?.content).toEqual({
      kind: 'interactive_reply',
      reply_type: 'list',
      reply_id: 'x',
      title: 'Suporte',
    });
    expect(delivery?.messages[3]?.content).toEqual({
      kind: 'location',
      latitude: -23.5,
      longitude: -46.6,
      name: 'Loja',
      address: null,
    });
    expect(delivery?.messages[5]?.content).toEqual({ kind: 'reaction', emoji: '👍', target_channel_message_id: 'x' });
    expect(delivery?.messages[0]).toMatchObject({
      from: '5511987654321',
      phone: '+5511987654321',
      profileName: 'Maria',
      sentAt: new Date(1750857384 * 1000),
    });
    expect(delivery?.messages[4]?.media).toEqual({
      kind: 'document',
      mediaId: '42',
      mimeType: 'application/pdf',
      caption: null,
      filename: 'boleto.pdf',
      sha256: 'h',
    });
    expect(delivery?.ignored).toEqual([]);
  });

  it('keeps the quoted message, shared contacts and unsupported types', () => {
    const delivery = parseDelivery(
      envelope({
        messages: [
          {
            from: '5511987654321',
            id: 'wamid.7',
            type: 'text',
            text: { body: 'esse aqui' },
            context: { from: '15550783881', id: 'wamid.quoted' },
          },
          {
            from: '5511987654321',
            id: 'wamid.8',
            type: 'contacts',
            contacts: [
              {
                name: { formatted_name: 'João Lima', first_name: 'João' },
                phones: [{ phone: '+55 11 91234-5678', wa_id: '5511912345678', type: 'CELL' }],
                emails: [{ email: 'joao@example.com', type: 'WORK' }],
              },
            ],
          },
          {
            from: '5511987654321',
            id: 'wamid.9',
            type: 'unsupported',
            errors: [{ code: 131051, title: 'Message type unknown' }],
          },
        ],
      }),
    );
    expect(delivery?.messages[0]).toMatchObject({ text: 'esse aqui', replyTo: 'wamid.quoted', content: null });
    expect(delivery?.messages[1]).toMatchObject({
      text: 'Contact: João Lima +55 11 91234-5678',
      content: {
        kind: 'contacts',
        contacts: [
          {
            name: 'João Lima',
            phones: [{ phone: '+55 11 91234-5678', wa_id: '5511912345678', type: 'CELL' }],
            emails: ['joao@example.com'],
          },
        ],
      },
    });
    expect(delivery?.messages[2]).toMatchObject({
      text: null,
      content: { kind: 'unsupported', whatsapp_type: 'unsupported' },
    });
  });

  it('reads template status changes by business account', () => {
    const delivery = parseDelivery({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          time: 1750857384,
          changes: [
            {
              field: 'message_template_status_update',
              value: {
                event: 'REJECTED',
                message_template_id: 806312974732579,
                message_template_name: 'pedido_atualizado',
                message_template_language: 'pt_BR',
                reason: 'INCORRECT_CATEGORY',
              },
            },
          ],
        },
      ],
    });
    expect(delivery?.phoneNumberIds).toEqual([]);
    expect(delivery?.templateStatuses).toEqual([
      {
        businessAccountId: '102290129340398',
        templateId: '806312974732579',
        name: 'pedido_atualizado',
        language: 'pt_BR',
        status: 'REJECTED',
        reason: 'INCORRECT_CATEGORY',
      },
    ]);
  });

  it('normalises statuses, with the first error of a failure', () => {
    const delivery = parseDelivery(
      envelope({
        statuses: [
          { id: 'wamid.a', status: 'delivered', timestamp: '1', recipient_id: '5511987654321' },
          {
            id: 'wamid.b',
            status: 'failed',
            timestamp: '1',
            recipient_id: '5511987654321',
            errors: [{ code: 131026, title: 'Message undeliverable', error_data: { details: 'Not on WhatsApp' } }],
          },
          { id: 'wamid.c', status: 'deleted', timestamp: '1' },
        ],
      }),
    );
    expect(delivery?.statuses).toEqual([
      {
        phoneNumberId: '106540352242922',
        messageId: 'wamid.a',
        status: 'delivered',
        recipientId: '5511987654321',
        error: null,
      },
      {
        phoneNumberId: '106540352242922',
        messageId: 'wamid.b',
        status: 'failed',
        recipientId: '5511987654321',
        error: '131026 Message undeliverable: Not on WhatsApp',
      },
    ]);
  });

  it('refuses what is not a WhatsApp Business Account delivery', () => {
    expect(parseDelivery({ object: 'page', entry: [] })).toBeUndefined();
    expect(parseDelivery('text')).toBeUndefined();
    expect(parseDelivery({ object: 'whatsapp_business_account', entry: [] })?.phoneNumberIds).toEqual([]);
  });

  it('turns a wa_id into E.164 only when it is a number', () => {
    expect(phoneOfWaId('5511987654321')).toBe('+5511987654321');
    expect(phoneOfWaId('abc')).toBeNull();
    expect(describeError({})).toBe('failed');
  });
});

describe('retries', () => {
  it('backs off exponentially with jitter, capped', () => {
    const half = () => 0.5;
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, 250, 2000, half))).toEqual([
      188, 375, 750, 1500, 1500,
    ]);
    expect(backoffDelayMs(10, 250, 2000, () => 0)).toBe(1000);
    expect(backoffDelayMs(10, 250, 2000, () => 1)).toBe(2000);
  });

  it('retries server errors and rate limits, not refusals', () => {
    expect([500, 502, 503, 429].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404].some(isRetryableStatus)).toBe(false);
  });
});
