import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  configureWhatsApp,
  deliverWebhook,
  startGraphStub,
  templateStatusPayload,
  textMessagePayload,
  type GraphStub,
  type StubTemplate,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

const WABA_ID = '104996485721233';

const TEMPLATES: StubTemplate[] = [
  {
    id: '806312974732579',
    name: 'pedido_atualizado',
    language: 'pt_BR',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Pedido {{1}}', example: { header_text: ['#123'] } },
      { type: 'BODY', text: 'Olá {{1}}, seu pedido chega em {{2}}.', example: { body_text: [['Maria', '2 dias']] } },
      { type: 'FOOTER', text: 'Loja Exemplo' },
    ],
  },
  {
    id: '806312974732580',
    name: 'retomar_conversa',
    language: 'pt_BR',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'NAMED',
    components: [
      {
        type: 'BODY',
        text: 'Oi {{first_name}}, podemos continuar seu atendimento?',
        example: { body_text_named_params: [{ param_name: 'first_name', example: 'Ana' }] },
      },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Sim' }] },
    ],
  },
  {
    id: '806312974732581',
    name: 'promocao',
    language: 'en_US',
    status: 'PAUSED',
    category: 'MARKETING',
    components: [{ type: 'BODY', text: 'Sale!' }],
  },
];

/** Templates whose header is a file or a place, listed once the test asks for a refresh. */
const HEADER_TEMPLATES: StubTemplate[] = [
  {
    id: '806312974732582',
    name: 'nota_fiscal',
    language: 'pt_BR',
    status: 'APPROVED',
    category: 'UTILITY',
    components: [
      { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1hZ2UvcG5n:ARa1'] } },
      { type: 'BODY', text: 'Sua nota {{1}} está pronta.', example: { body_text: [['123']] } },
    ],
  },
  {
    id: '806312974732583',
    name: 'contrato',
    language: 'pt_BR',
    status: 'APPROVED',
    category: 'UTILITY',
    components: [
      { type: 'HEADER', format: 'DOCUMENT', example: { header_handle: ['4::YXBwbGljYXRpb24vcGRm:ARa2'] } },
      { type: 'BODY', text: 'Segue o seu contrato.' },
    ],
  },
  {
    id: '806312974732584',
    name: 'video_boas_vindas',
    language: 'pt_BR',
    status: 'APPROVED',
    category: 'MARKETING',
    components: [
      { type: 'HEADER', format: 'VIDEO', example: { header_handle: ['4::dmlkZW8vbXA0:ARa3'] } },
      { type: 'BODY', text: 'Bem-vindo!' },
    ],
  },
  {
    id: '806312974732585',
    name: 'retirada_loja',
    language: 'pt_BR',
    status: 'APPROVED',
    category: 'UTILITY',
    components: [
      { type: 'HEADER', format: 'LOCATION' },
      { type: 'BODY', text: 'Seu pedido espera por você na loja.' },
    ],
  },
];

const HOUR = 3600;

describe('WhatsApp templates and the 24-hour window', () => {
  let api: TestServer;
  let graph: GraphStub;
  let admin: string;
  let channel: WhatsAppChannelSecrets;
  let counter = 0;

  /** A conversation whose contact last wrote `ageSeconds` ago (by WhatsApp's timestamp). */
  const conversationWrittenAgo = async (ageSeconds: number) => {
    counter += 1;
    const waId = `55119877${String(counter).padStart(5, '0')}`;
    const timestamp = Math.floor(Date.now() / 1000) - ageSeconds;
    const delivered = await deliverWebhook(
      api,
      textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: waId, text: 'oi', timestamp }),
      channel.appSecret,
    );
    expect(delivered.status).toBe(200);
    const list = await api.request('GET', `/api/conversations?q=${waId}`, { token: admin });
    return { waId, conversation: list.body.items[0], timestamp };
  };

  const send = (conversationId: string, body: unknown) =>
    api.request('POST', `/api/conversations/${conversationId}/messages`, { token: admin, body });

  const waitForStatus = async (conversationId: string, messageId: string) => {
    for (let i = 0; i < 500; i += 1) {
      const page = await api.request('GET', `/api/conversations/${conversationId}/messages`, { token: admin });
      const message = page.body.items.find((m: { id: string }) => m.id === messageId);
      if (message && message.status !== 'queued') return message;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the message stayed queued');
  };

  beforeAll(async () => {
    graph = await startGraphStub();
    graph.templates.set(WABA_ID, TEMPLATES);
    api = await startTestServer({ WHATSAPP_GRAPH_URL: graph.url });
    admin = await api.adminToken();
    channel = await configureWhatsApp(api, admin, { businessAccountId: WABA_ID });
  });
  beforeEach(() => {
    graph.requests.length = 0;
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  it('shows the business account id and lists the templates synced from every page of the Graph API', async () => {
    const channels = await api.request('GET', '/api/channels', { token: admin });
    expect(channels.body.items[0]).toMatchObject({ channel: 'whatsapp', business_account_id: WABA_ID });

    const list = await api.request('GET', '/api/channels/whatsapp/templates', { token: admin });
    expect(list.status).toBe(200);
    expect(list.body.items.map((t: { name: string }) => t.name)).toEqual([
      'pedido_atualizado',
      'promocao',
      'retomar_conversa',
    ]);
    expect(graph.templateRequests.map((r) => r.after)).toEqual([null, '2']);
    expect(graph.templateRequests.every((r) => r.authorization === `Bearer ${channel.accessToken}`)).toBe(true);
    const order = list.body.items[0];
    expect(order).toMatchObject({
      template_id: '806312974732579',
      language: 'pt_BR',
      status: 'APPROVED',
      category: 'UTILITY',
      parameter_format: 'POSITIONAL',
      body: 'Olá {{1}}, seu pedido chega em {{2}}.',
      variables: [
        { key: 'header.1', component: 'header', example: '#123' },
        { key: '1', component: 'body', example: 'Maria' },
        { key: '2', component: 'body', example: '2 dias' },
      ],
    });

    // Cached: no new request until a refresh is asked for.
    await api.request('GET', '/api/channels/whatsapp/templates', { token: admin });
    expect(graph.templateRequests).toHaveLength(2);
    const approved = await api.request('GET', '/api/channels/whatsapp/templates?status=APPROVED&refresh=true', {
      token: admin,
    });
    expect(approved.body.items).toHaveLength(2);
    expect(graph.templateRequests).toHaveLength(4);
    const posted = await api.request('POST', '/api/channels/whatsapp/templates/refresh', { token: admin });
    expect(posted.status).toBe(200);
    expect(posted.body.items).toHaveLength(3);
  });

  it('keeps the window 24 h after the contact’s last message, by WhatsApp’s timestamp', async () => {
    const { conversation, timestamp } = await conversationWrittenAgo(2 * HOUR);
    expect(new Date(conversation.window_expires_at).getTime()).toBe((timestamp + 24 * HOUR) * 1000);
    const reply = await send(conversation.id, { text: 'Pode falar!' });
    expect(reply.status).toBe(201);
    expect((await waitForStatus(conversation.id, reply.body.id)).status).toBe('sent');
  });

  it('refuses free text after the window with 409 conversation.window_closed, storing and sending nothing', async () => {
    const { conversation } = await conversationWrittenAgo(25 * HOUR);
    const refused = await send(conversation.id, { text: 'Ainda está aí?' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('conversation.window_closed');
    const messages = await api.request('GET', `/api/conversations/${conversation.id}/messages`, { token: admin });
    expect(messages.body.items.map((m: { direction: string }) => m.direction)).toEqual(['inbound']);
    await new Promise((r) => setTimeout(r, 200));
    expect(graph.requests).toHaveLength(0);

    // Started by an agent, never written by the contact: templates only.
    const started = await api.request('POST', '/api/conversations', {
      token: admin,
      body: { channel: 'whatsapp', contact: { name: 'Bia', phone: '+5511955557777' } },
    });
    expect(started.body.window_expires_at).toBeNull();
    expect((await send(started.body.id, { text: 'Olá' })).body.code).toBe('conversation.window_closed');
  });

  it('sends an approved template after the window, with its variables, and stores what the customer reads', async () => {
    const { waId, conversation } = await conversationWrittenAgo(30 * HOUR);
    const sent = await send(conversation.id, {
      template: {
        name: 'pedido_atualizado',
        language: 'pt-BR',
        variables: { 'header.1': '#987', '1': 'Maria', '2': 'amanhã' },
      },
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({
      type: 'text',
      text: 'Pedido #987\n\nOlá Maria, seu pedido chega em amanhã.\n\nLoja Exemplo',
      content: {
        kind: 'template',
        name: 'pedido_atualizado',
        language: 'pt-BR',
        variables: { 'header.1': '#987', '1': 'Maria', '2': 'amanhã' },
      },
    });
    expect((await waitForStatus(conversation.id, sent.body.id)).status).toBe('sent');
    expect(graph.requests.at(-1)?.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: waId,
      type: 'template',
      template: {
        name: 'pedido_atualizado',
        language: { code: 'pt_BR' },
        components: [
          { type: 'header', parameters: [{ type: 'text', text: '#987' }] },
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Maria' },
              { type: 'text', text: 'amanhã' },
            ],
          },
        ],
      },
    });

    // A NAMED template names its parameters.
    const named = await send(conversation.id, {
      template: { name: 'retomar_conversa', language: 'pt_BR', variables: { first_name: 'Maria' } },
    });
    expect(named.status).toBe(201);
    await waitForStatus(conversation.id, named.body.id);
    expect(graph.requests.at(-1)?.body.template.components).toEqual([
      { type: 'body', parameters: [{ type: 'text', parameter_name: 'first_name', text: 'Maria' }] },
    ]);
  });

  it('refuses a template whose variables do not fit, or that is unknown, with 422 and sends nothing', async () => {
    const { conversation } = await conversationWrittenAgo(30 * HOUR);
    const missing = await send(conversation.id, {
      template: { name: 'pedido_atualizado', language: 'pt_BR', variables: ['Maria'] },
    });
    expect(missing.status).toBe(422);
    expect(missing.body.code).toBe('template.invalid_variables');
    expect(missing.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'body.template.variables.2',
      'body.template.variables.header.1',
    ]);
    const unknown = await send(conversation.id, { template: { name: 'nao_existe', language: 'pt_BR' } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.code).toBe('template.not_found');
    await new Promise((r) => setTimeout(r, 200));
    expect(graph.requests).toHaveLength(0);
  });

  it('sends media and location headers by link, by upload or by place, checked against the template', async () => {
    graph.templates.set(WABA_ID, [...TEMPLATES, ...HEADER_TEMPLATES]);
    const refreshed = await api.request('POST', '/api/channels/whatsapp/templates/refresh', { token: admin });
    expect(refreshed.body.items.find((t: { name: string }) => t.name === 'retirada_loja')).toMatchObject({
      header_format: 'LOCATION',
    });
    const { waId, conversation } = await conversationWrittenAgo(30 * HOUR);
    const template = (name: string, header?: unknown, variables?: unknown) =>
      send(conversation.id, { template: { name, language: 'pt_BR', ...(variables ? { variables } : {}), header } });

    // An image by its public link.
    const byLink = await template('nota_fiscal', { kind: 'image', link: 'https://cdn.example.com/nota.png' }, ['123']);
    expect(byLink.status).toBe(201);
    expect(byLink.body.content.header).toEqual({
      kind: 'image',
      link: 'https://cdn.example.com/nota.png',
      filename: null,
    });
    expect((await waitForStatus(conversation.id, byLink.body.id)).status).toBe('sent');
    expect(graph.requests.at(-1)?.body).toMatchObject({
      to: waId,
      type: 'template',
      template: {
        name: 'nota_fiscal',
        components: [
          { type: 'header', parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/nota.png' } }] },
          { type: 'body', parameters: [{ type: 'text', text: '123' }] },
        ],
      },
    });

    // A document the agent uploaded: sent to Meta's media endpoint first, then by id, with its name.
    const form = new FormData();
    form.set('file', new Blob([Buffer.from('%PDF-1.4\n%contrato\n')], { type: 'application/pdf' }), 'contrato.pdf');
    const uploaded = await fetch(`${api.baseUrl}/api/conversations/${conversation.id}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    const uploadId = ((await uploaded.json()) as { upload_id: string }).upload_id;
    graph.uploads.length = 0;
    const byUpload = await template('contrato', { kind: 'document', upload_id: uploadId });
    expect(byUpload.status).toBe(201);
    expect(byUpload.body.media).toMatchObject({ kind: 'document', filename: 'contrato.pdf' });
    expect((await waitForStatus(conversation.id, byUpload.body.id)).status).toBe('sent');
    expect(graph.uploads).toHaveLength(1);
    expect(graph.requests.at(-1)?.body.template.components).toEqual([
      {
        type: 'header',
        parameters: [{ type: 'document', document: { id: graph.uploads[0]!.mediaId, filename: 'contrato.pdf' } }],
      },
    ]);

    // A video by link, and a place.
    const video = await template('video_boas_vindas', { kind: 'video', link: 'https://cdn.example.com/oi.mp4' });
    expect(video.status).toBe(201);
    await waitForStatus(conversation.id, video.body.id);
    expect(graph.requests.at(-1)?.body.template.components).toEqual([
      { type: 'header', parameters: [{ type: 'video', video: { link: 'https://cdn.example.com/oi.mp4' } }] },
    ]);
    const place = {
      kind: 'location',
      latitude: -23.5613,
      longitude: -46.6565,
      name: 'Loja Paulista',
      address: 'Av. Paulista, 1000',
    };
    const located = await template('retirada_loja', place);
    expect(located.status).toBe(201);
    await waitForStatus(conversation.id, located.body.id);
    expect(graph.requests.at(-1)?.body.template.components).toEqual([
      {
        type: 'header',
        parameters: [
          {
            type: 'location',
            location: {
              latitude: '-23.5613',
              longitude: '-46.6565',
              name: 'Loja Paulista',
              address: 'Av. Paulista, 1000',
            },
          },
        ],
      },
    ]);

    // What does not fit is refused before anything is stored or sent.
    const sentSoFar = graph.requests.length;
    const missing = await template('nota_fiscal', undefined, ['123']);
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({
      code: 'template.invalid_header',
      errors: [{ field: 'body.template.header' }],
    });
    const wrongKind = await template('nota_fiscal', { kind: 'video', link: 'https://cdn.example.com/oi.mp4' }, ['123']);
    expect(wrongKind.body.code).toBe('template.invalid_header');
    const notAnImage = await template('nota_fiscal', { kind: 'image', upload_id: uploadId }, ['123']);
    expect(notAnImage.status).toBe(422);
    expect(notAnImage.body.errors[0].field).toBe('body.template.header.upload_id');
    const both = await template('contrato', {
      kind: 'document',
      upload_id: uploadId,
      link: 'https://cdn.example.com/c.pdf',
    });
    expect(both.body.code).toBe('template.invalid_header');
    const plain = await template(
      'retomar_conversa',
      { kind: 'image', link: 'https://cdn.example.com/x.png' },
      {
        first_name: 'Maria',
      },
    );
    expect(plain.body.code).toBe('template.invalid_header');
    const insecure = await template('nota_fiscal', { kind: 'image', link: 'http://cdn.example.com/nota.png' }, ['123']);
    expect(insecure.status).toBe(400);
    const offMap = await template('retirada_loja', { kind: 'location', latitude: 123, longitude: 0 });
    expect(offMap.status).toBe(400);
    await new Promise((r) => setTimeout(r, 200));
    expect(graph.requests).toHaveLength(sentSoFar);
  });

  it('follows Meta’s template status webhooks: a paused template is listed so and not sent', async () => {
    const webhook = await deliverWebhook(
      api,
      templateStatusPayload({
        businessAccountId: WABA_ID,
        templateId: '806312974732580',
        name: 'retomar_conversa',
        language: 'pt_BR',
        event: 'PAUSED',
        reason: 'LOW_QUALITY',
      }),
      channel.appSecret,
    );
    expect(webhook.status).toBe(200);
    expect(webhook.body).toMatchObject({ status: 'ok', templates_updated: 1 });
    const list = await api.request('GET', '/api/channels/whatsapp/templates', { token: admin });
    expect(list.body.items.find((t: { name: string }) => t.name === 'retomar_conversa')).toMatchObject({
      status: 'PAUSED',
      status_reason: 'LOW_QUALITY',
    });
    const { conversation } = await conversationWrittenAgo(30 * HOUR);
    const refused = await send(conversation.id, {
      template: { name: 'retomar_conversa', language: 'pt_BR', variables: { first_name: 'Ana' } },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('template.not_approved');

    const approved = await deliverWebhook(
      api,
      templateStatusPayload({
        businessAccountId: WABA_ID,
        templateId: '806312974732580',
        name: 'retomar_conversa',
        language: 'pt_BR',
        event: 'APPROVED',
      }),
      channel.appSecret,
    );
    expect(approved.body.templates_updated).toBe(1);
    const badSignature = await deliverWebhook(
      api,
      templateStatusPayload({
        businessAccountId: WABA_ID,
        templateId: '806312974732580',
        name: 'retomar_conversa',
        language: 'pt_BR',
        event: 'REJECTED',
      }),
      'not-the-app-secret',
    );
    expect(badSignature.status).toBe(401);
  });

  it('needs the business account id for templates (409) and keeps templates to WhatsApp conversations', async () => {
    const other = await startTestServer({ WHATSAPP_GRAPH_URL: graph.url });
    try {
      const otherAdmin = await other.adminToken();
      await configureWhatsApp(other, otherAdmin);
      const list = await other.request('GET', '/api/channels/whatsapp/templates?refresh=true', { token: otherAdmin });
      expect(list.status).toBe(409);
      expect(list.body.code).toBe('channel.no_business_account');
      const webchat = await other.request('POST', '/api/conversations', {
        token: otherAdmin,
        body: { channel: 'webchat', contact: { email: 'x@example.com' } },
      });
      const sent = await other.request('POST', `/api/conversations/${webchat.body.id}/messages`, {
        token: otherAdmin,
        body: { template: { name: 'pedido_atualizado', language: 'pt_BR' } },
      });
      expect(sent.status).toBe(409);
      expect(sent.body.code).toBe('conversation.templates_whatsapp_only');
    } finally {
      await other.close();
    }
  });
});
