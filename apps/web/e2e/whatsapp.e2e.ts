/**
 * WhatsApp beyond text in Chromium against a real Switchboard (issue 14): once the
 * 24-hour window has closed the composer offers the approved templates and sends one with
 * its variables; while it is open the agent attaches a picture, captions it and sends it,
 * and the Graph API stub receives the upload and the image message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openSession, type Session } from './support/browser';
import { scrollsSideways, signInPtBr } from './desk-helpers';
import { signIn } from './support/console';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startServer, type RunningServer } from './support/server';
import {
  configureWhatsApp,
  contactMessage,
  deliverWebhook,
  startGraphStub,
  textMessage,
  type GraphStub,
  type WhatsAppChannel,
} from './support/whatsapp';

const WABA_ID = '104996485721233';
const LUCAS = { name: 'Lucas Prado', waId: '5511944445555' };
const RITA = { name: 'Rita Melo', waId: '5511966667777' };
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('WhatsApp templates and files in the console', () => {
  let api: RunningServer;
  let graph: GraphStub;
  let whatsapp: WhatsAppChannel;
  let session: Session;
  let page: Page;

  const deliver = async (payload: unknown) => expect(await deliverWebhook(api, whatsapp, payload)).toBe(200);
  const rowOf = (text: string) => page.locator('[data-testid=conversation-row]', { hasText: text });
  const until = async (check: () => boolean, what: string) => {
    for (let i = 0; i < 300; i += 1) {
      if (check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  beforeAll(async () => {
    graph = await startGraphStub();
    graph.templates.set(WABA_ID, [
      {
        id: '806312974732579',
        name: 'retomar_atendimento',
        language: 'pt_BR',
        status: 'APPROVED',
        category: 'UTILITY',
        components: [
          {
            type: 'BODY',
            text: 'Olá {{1}}, podemos retomar seu atendimento?',
            example: { body_text: [['Lucas']] },
          },
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
      {
        id: '806312974732591',
        name: 'oferta_com_imagem_da_semana',
        language: 'pt_BR',
        status: 'APPROVED',
        category: 'MARKETING',
        components: [
          { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['https://example.test/oferta.png'] } },
          { type: 'BODY', text: 'Olá {{1}}, confira a oferta da semana.', example: { body_text: [['Lucas']] } },
        ],
      },
      {
        id: '806312974732597',
        name: 'segunda_via_boleto',
        language: 'pt_BR',
        status: 'APPROVED',
        category: 'UTILITY',
        components: [
          { type: 'HEADER', format: 'DOCUMENT', example: { header_handle: ['https://example.test/boleto.pdf'] } },
          { type: 'BODY', text: 'Segue a segunda via do seu boleto.' },
        ],
      },
    ]);
    api = await startServer({ WHATSAPP_GRAPH_URL: graph.url, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    whatsapp = await configureWhatsApp(api, { businessAccountId: WABA_ID });
    session = await openSession({ baseUrl: api.baseUrl });
    page = session.page;
    await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  });

  afterAll(async () => {
    await session?.close();
    await api?.close();
    await graph?.close();
  });

  it('sends an approved template after the 24-hour window closed, the free-text composer locked', async () => {
    const dayAndAnHourAgo = Math.floor(Date.now() / 1000) - 25 * 3600;
    await deliver(
      textMessage(whatsapp, { from: LUCAS.waId, name: LUCAS.name, text: 'Oi, ontem', timestamp: dayAndAnHourAgo }),
    );
    await rowOf(LUCAS.name).click();
    await expect.poll(() => page.getByTestId('window-state').textContent()).toContain('24-hour window is closed');
    expect(await page.getByTestId('composer').isDisabled()).toBe(true);
    const picker = page.getByTestId('template-picker');
    await picker.getByTestId('template-select').selectOption({ label: 'retomar_atendimento (pt_BR)' });
    await picker.getByTestId('template-variable-1').fill('Lucas');
    expect(await picker.getByTestId('template-preview').textContent()).toBe(
      'Olá Lucas, podemos retomar seu atendimento?',
    );
    await picker.getByTestId('template-send').click();
    await until(() => graph.sent.some((s) => s.to === LUCAS.waId && s.body.type === 'template'), 'the template');
    expect(graph.sent.find((s) => s.to === LUCAS.waId)?.body.template).toEqual({
      name: 'retomar_atendimento',
      language: { code: 'pt_BR' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'Lucas' }] }],
    });
    await page
      .locator('[data-testid=message][data-direction=outbound]', { hasText: 'podemos retomar seu atendimento' })
      .waitFor();
  });

  it('asks for the place of a template with a location header and sends it in the header', async () => {
    const picker = page.getByTestId('template-picker');
    await picker.getByTestId('template-select').selectOption({ label: 'retirada_loja (pt_BR)' });
    await picker.getByTestId('template-header').waitFor();
    expect(await picker.getByTestId('template-send').isDisabled()).toBe(true);
    await picker.getByTestId('template-header-latitude').fill('-23,5613');
    await picker.getByTestId('template-header-longitude').fill('-46.6565');
    await picker.getByTestId('template-header-name').fill('Loja Paulista');
    await picker.getByTestId('template-send').click();
    await until(
      () => graph.sent.some((s) => s.to === LUCAS.waId && s.body.template?.name === 'retirada_loja'),
      'the location template',
    );
    expect(graph.sent.find((s) => s.body.template?.name === 'retirada_loja')?.body.template.components).toEqual([
      {
        type: 'header',
        parameters: [
          { type: 'location', location: { latitude: '-23.5613', longitude: '-46.6565', name: 'Loja Paulista' } },
        ],
      },
    ]);
  });

  it('attaches a picture with a caption and sends it while the window is open', async () => {
    await deliver(textMessage(whatsapp, { from: RITA.waId, name: RITA.name, text: 'Pode mandar a foto?' }));
    await rowOf(RITA.name).click();
    await expect.poll(() => page.getByTestId('window-state').textContent()).toContain('left for free replies');
    await page
      .getByTestId('attachment-input')
      .setInputFiles({ name: 'produto.png', mimeType: 'image/png', buffer: PNG });
    await page.getByTestId('attachment-caption').fill('Foto do produto');
    await page.getByTestId('attachment-send').click();
    await until(() => graph.sent.some((s) => s.to === RITA.waId && s.body.type === 'image'), 'the image message');
    expect(graph.uploads).toHaveLength(1);
    expect(graph.uploads[0]).toMatchObject({ type: 'image/png', filename: 'produto.png' });
    expect(graph.uploads[0]!.bytes.equals(PNG)).toBe(true);
    expect(graph.sent.find((s) => s.to === RITA.waId && s.body.type === 'image')?.body.image).toEqual({
      id: graph.uploads[0]!.mediaId,
      caption: 'Foto do produto',
    });
    const sent = page.locator('[data-testid=message][data-direction=outbound]', { hasText: 'Foto do produto' });
    await sent.waitFor();
    await sent.locator('img').waitFor();
  });

  it('shows a shared location as a map link and a shared contact as a card that starts a conversation', async () => {
    const bia = { from: '5511955556666', name: 'Bia Nunes' };
    await deliver(
      contactMessage(whatsapp, bia, {
        type: 'location',
        location: { latitude: -23.5613, longitude: -46.6565, name: 'Loja Paulista', address: 'Av. Paulista, 1000' },
      }),
    );
    await deliver(
      contactMessage(whatsapp, bia, {
        type: 'contacts',
        contacts: [
          {
            name: { formatted_name: 'Caio Lima', first_name: 'Caio' },
            phones: [{ phone: '+55 11 97777-8888', wa_id: '5511977778888', type: 'CELL' }],
          },
        ],
      }),
    );
    await rowOf(bia.name).click();
    const location = page.getByTestId('location-card');
    await location.waitFor();
    expect(await location.textContent()).toContain('Loja Paulista');
    expect(await location.getByRole('link').getAttribute('href')).toBe(
      'https://www.openstreetmap.org/?mlat=-23.561300&mlon=-46.656500#map=17/-23.561300/-46.656500',
    );
    const card = page.getByTestId('contact-card');
    await card.getByText('Caio Lima').waitFor();
    expect(await card.getByRole('link').getAttribute('href')).toBe('tel:+5511977778888');
    await card.getByRole('button', { name: 'Message on WhatsApp' }).click();
    await page.getByTestId('conversation-contact').filter({ hasText: 'Caio Lima' }).waitFor({ timeout: 10_000 });
    expect(page.url()).toMatch(/#\/inbox\/[0-9a-f-]{36}$/);
  });

  it('fits the template picker’s image and document header fields on a phone in Portuguese', async () => {
    const phone = await openSession({ baseUrl: api.baseUrl, viewport: { width: 390, height: 844 }, locale: 'pt-BR' });
    try {
      await signInPtBr(phone.page, ADMIN_EMAIL, ADMIN_PASSWORD);
      await phone.page.evaluate(() => (window.location.hash = '#/inbox'));
      // Lucas's window closed: the picker is the composer.
      await phone.page.locator('[data-testid=conversation-row]', { hasText: LUCAS.name }).first().click();
      const picker = phone.page.getByTestId('template-picker');
      for (const label of ['oferta_com_imagem_da_semana (pt_BR)', 'segunda_via_boleto (pt_BR)']) {
        await picker.getByTestId('template-select').selectOption({ label });
        await picker.getByTestId('template-header-link').waitFor({ timeout: 10_000 });
        await picker.getByTestId('template-header-file').waitFor({ state: 'attached' });
        await picker.getByTestId('template-header').scrollIntoViewIfNeeded();
        const { scrollWidth, clientWidth } = await scrollsSideways(phone.page);
        expect(scrollWidth, `${label}: the conversation is ${scrollWidth}px wide`).toBeLessThanOrEqual(clientWidth);
        const fits = await picker
          .getByTestId('template-header')
          .evaluate((box) => box.getBoundingClientRect().right <= document.documentElement.clientWidth);
        expect(fits, `${label}: the header fields stay on the screen`).toBe(true);
      }
    } finally {
      await phone.close();
    }
  });

  it('fits the shared location and contact cards on a phone in Portuguese', async () => {
    const phone = await openSession({ baseUrl: api.baseUrl, viewport: { width: 390, height: 844 }, locale: 'pt-BR' });
    try {
      await signInPtBr(phone.page, ADMIN_EMAIL, ADMIN_PASSWORD);
      await phone.page.evaluate(() => (window.location.hash = '#/inbox'));
      await phone.page.locator('[data-testid=conversation-row]', { hasText: 'Bia Nunes' }).first().click();
      await phone.page.getByTestId('location-card').waitFor();
      await phone.page.getByTestId('contact-card').waitFor();
      const { scrollWidth, clientWidth } = await scrollsSideways(phone.page);
      expect(scrollWidth, `the conversation is ${scrollWidth}px wide`).toBeLessThanOrEqual(clientWidth);
    } finally {
      await phone.close();
    }
  });
});
