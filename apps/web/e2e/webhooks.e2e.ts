/**
 * The integrations tab in Chromium against a real Switchboard: a webhook whose receiver
 * (a local server on 127.0.0.1) refuses the first delivery shows it failed in the delivery
 * log; Redeliver sends it again and the log shows it delivered. On a 390 px phone.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, type Session } from './support/browser';
import { signIn } from './support/console';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startServer, type RunningServer } from './support/server';

describe('the webhooks page', () => {
  let api: RunningServer;
  let session: Session;
  let receiver: Server;
  const statuses = [410];
  const received: string[] = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push(body);
        response.writeHead(statuses.shift() ?? 200, { 'content-type': 'application/json' });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    api = await startServer({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    session = await openSession({ baseUrl: api.baseUrl, viewport: { width: 390, height: 844 } });
  });
  afterAll(async () => {
    await session?.close();
    await api?.close();
    receiver?.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('shows a failed delivery and redelivers it', async () => {
    const { port } = receiver.address() as AddressInfo;
    const admin = await api.adminToken();
    const created = await api.request<{ id: string }>('POST', '/api/webhooks', {
      token: admin,
      body: { url: `http://127.0.0.1:${port}/hooks`, allow_http: true, event_types: ['conversation.created'] },
    });
    expect(created.status).toBe(201);
    const conversation = await api.request('POST', '/api/conversations', {
      token: admin,
      body: { channel: 'webchat', contact: { name: 'Ana', phone: '+5511990006666' } },
    });
    expect(conversation.status).toBe(201);

    const page = session.page;
    await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.goto('/#/admin/integrations');
    await page.getByTestId('webhook-row').getByRole('button').first().click();
    const failed = page.locator('[data-testid=delivery-row][data-status=failed]');
    for (let i = 0; i < 40 && (await failed.count()) === 0; i += 1) {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(250);
    }
    await expect(failed.first().textContent()).resolves.toContain('410');
    await failed.first().getByRole('button', { name: 'Redeliver' }).click();
    const delivered = page.locator('[data-testid=delivery-row][data-status=delivered]');
    for (let i = 0; i < 40 && (await delivered.count()) === 0; i += 1) {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(250);
    }
    await expect(delivered.first().textContent()).resolves.toContain('2 attempts');
    expect(received).toHaveLength(2);
    expect(JSON.parse(received[1]!).id).toBe(JSON.parse(received[0]!).id);
    // Fits the phone: nothing scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
  });
});
