import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import {
  configureWhatsApp,
  deliverWebhook,
  messagePayload,
  startGraphStub,
  textMessagePayload,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

describe('customer messages and customer ratings', () => {
  let api: TestServer;
  let graph: GraphStub;
  let admin: string;
  let channel: WhatsAppChannelSecrets;
  let counter = 0;

  const newConversation = async () => {
    counter += 1;
    const waId = `55119855${String(counter).padStart(5, '0')}`;
    await deliverWebhook(
      api,
      textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: waId, name: 'Maria Souza', text: 'oi' }),
      channel.appSecret,
    );
    const list = await api.request('GET', `/api/conversations?q=${waId}`, { token: admin });
    const id = list.body.items[0].id as string;
    await api.request('POST', `/api/conversations/${id}/take`, { token: admin });
    return { waId, id };
  };

  const answer = (waId: string, message: Record<string, unknown>) =>
    deliverWebhook(
      api,
      messagePayload({ phoneNumberId: channel.phoneNumberId, from: waId, message }),
      channel.appSecret,
    );

  const sentTo = async (waId: string, count: number) => {
    for (let i = 0; i < 500; i += 1) {
      const sent = graph.requests.filter((r) => r.body.to === waId);
      if (sent.length >= count) return sent;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`fewer than ${count} messages were sent`);
  };

  const get = async (id: string) => (await api.request('GET', `/api/conversations/${id}`, { token: admin })).body;

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startTestServer({ WHATSAPP_GRAPH_URL: graph.url });
    admin = await api.adminToken();
    channel = await configureWhatsApp(api, admin);
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  it('lets admins read and change what customers are sent, pt-BR by default, en and es on request', async () => {
    const initial = await api.request('GET', '/api/settings/customer-messages', { token: admin });
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({ language: 'pt-BR', rating_enabled: false });
    expect(initial.body.messages.find((m: { key: string }) => m.key === 'video_link')).toMatchObject({
      text: 'Entre na chamada de vídeo: {{link}}',
      is_custom: false,
      variables: ['{{link}}', '{{contact.name}}', '{{agent.name}}'],
    });
    const spanish = await api.request('PUT', '/api/settings/customer-messages', {
      token: admin,
      body: { language: 'es', texts: { closing: 'Gracias, {{contact.name}}. ¡Hasta pronto!' } },
    });
    expect(spanish.status).toBe(200);
    expect(spanish.body.messages.find((m: { key: string }) => m.key === 'video_link').text).toBe(
      'Únase a la videollamada: {{link}}',
    );
    expect(spanish.body.messages.find((m: { key: string }) => m.key === 'closing')).toMatchObject({
      text: 'Gracias, {{contact.name}}. ¡Hasta pronto!',
      is_custom: true,
    });
    const typo = await api.request('PUT', '/api/settings/customer-messages', {
      token: admin,
      body: { texts: { menu: 'Oi {{agente.nome}}' } },
    });
    expect(typo.status).toBe(400);
    expect(typo.body.errors[0].field).toBe('body.texts.menu');
    const back = await api.request('PUT', '/api/settings/customer-messages', {
      token: admin,
      body: { language: 'pt-BR', texts: { closing: null } },
    });
    expect(back.body.messages.find((m: { key: string }) => m.key === 'closing').is_custom).toBe(false);
    const agent = await createUserAndLogin(api, admin, { role: 'agent' });
    expect((await api.request('GET', '/api/settings/customer-messages', { token: agent.token })).status).toBe(403);
    expect(
      (
        await api.request('PUT', '/api/settings/customer-messages', {
          token: agent.token,
          body: { rating_enabled: true },
        })
      ).status,
    ).toBe(403);
  });

  it('sends the video link in the company’s language', async () => {
    const { waId, id } = await newConversation();
    const video = await api.request('POST', `/api/conversations/${id}/video`, { token: admin });
    expect(video.status).toBe(201);
    expect(video.body.message.text).toBe(`Entre na chamada de vídeo: ${video.body.video_url.replace(/#.*$/, '')}`);
    await sentTo(waId, 1);
  });

  it('asks the customer on close with a 1–5 list, and stores a list answer as the customer’s rating', async () => {
    await api.request('PUT', '/api/settings/customer-messages', { token: admin, body: { rating_enabled: true } });
    const { waId, id } = await newConversation();
    const closed = await api.request('POST', `/api/conversations/${id}/close`, { token: admin, body: {} });
    expect(closed.body).toMatchObject({ status: 'resolved', rating: null, rated_by: null });
    const [closing, question] = await sentTo(waId, 2);
    expect(closing?.body.text?.body).toBe('Seu atendimento foi encerrado. Obrigado pelo contato, Maria Souza!');
    expect(question!.body).toMatchObject({
      type: 'interactive',
      interactive: {
        type: 'list',
        body: { text: expect.stringContaining('Escolha uma nota de 1 a 5') },
        action: {
          button: 'Avaliar',
          sections: [
            {
              rows: [
                { id: 'rating:1', title: '1 - Péssimo' },
                { id: 'rating:2', title: '2 - Ruim' },
                { id: 'rating:3', title: '3 - Regular' },
                { id: 'rating:4', title: '4 - Bom' },
                { id: 'rating:5', title: '5 - Excelente' },
              ],
            },
          ],
        },
      },
    });
    const answered = await answer(waId, {
      type: 'interactive',
      interactive: { type: 'list_reply', list_reply: { id: 'rating:5', title: '5 - Excelente' } },
    });
    expect(answered.status).toBe(200);
    expect(await get(id)).toMatchObject({ status: 'resolved', rating: 5, rated_by: 'customer', feedback: null });
    const [, , thanks] = await sentTo(waId, 3);
    expect(thanks?.body.text?.body).toBe('Obrigado pela avaliação! Se quiser, escreva um comentário.');
    await answer(waId, { type: 'text', text: { body: 'Atendimento muito rápido!' } });
    expect(await get(id)).toMatchObject({ status: 'resolved', feedback: 'Atendimento muito rápido!' });
    // A later message is a new matter: the conversation reopens.
    await answer(waId, { type: 'text', text: { body: 'Outra dúvida' } });
    expect((await get(id)).status).toBe('open');
  });

  it('stores a rating answered with a reply button as the customer’s', async () => {
    await api.request('PUT', '/api/settings/customer-messages', { token: admin, body: { rating_enabled: true } });
    const { waId, id } = await newConversation();
    await api.request('POST', `/api/conversations/${id}/close`, { token: admin, body: {} });
    await sentTo(waId, 2);
    const answered = await answer(waId, {
      type: 'interactive',
      interactive: { type: 'button_reply', button_reply: { id: 'rating:4', title: '4 - Bom' } },
    });
    expect(answered.status).toBe(200);
    expect(await get(id)).toMatchObject({ status: 'resolved', rating: 4, rated_by: 'customer' });
    const [, , thanks] = await sentTo(waId, 3);
    expect(thanks?.body.text?.body).toBe('Obrigado pela avaliação! Se quiser, escreva um comentário.');
  });

  it('keeps a rating that comes after a reopen without counting it, and agents still rate as agents', async () => {
    const { waId, id } = await newConversation();
    await api.request('POST', `/api/conversations/${id}/close`, { token: admin, body: {} });
    await sentTo(waId, 2);
    await api.request('POST', `/api/conversations/${id}/reopen`, { token: admin });
    await answer(waId, {
      type: 'interactive',
      interactive: { type: 'button_reply', button_reply: { id: 'rating:2', title: '2 - Ruim' } },
    });
    expect(await get(id)).toMatchObject({ status: 'open', rating: null, rated_by: null });
    const byAgent = await api.request('POST', `/api/conversations/${id}/close`, {
      token: admin,
      body: { rating: 4, feedback: 'cliente satisfeito' },
    });
    expect(byAgent.body).toMatchObject({ rating: 4, rated_by: 'agent' });
  });
});
