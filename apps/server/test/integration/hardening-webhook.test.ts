/**
 * Signed WhatsApp webhooks with values the database cannot hold: each is answered 200 once
 * what can be stored is stored (a non-2xx makes Meta redeliver for days), the bad message is
 * skipped or stored repaired, and the counter at /metrics says how many and why.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts, messages } from '../../src/db/schema/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  configureWhatsApp,
  deliverWebhook,
  mediaMessagePayload,
  newWamid,
  textMessagePayload,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

const METRICS_TOKEN = 'metrics-token-metrics-token-0123456789';

describe('signed WhatsApp webhooks with bad values', () => {
  let api: TestServer;
  let channel: WhatsAppChannelSecrets;
  let from = 5511912340000;

  beforeAll(async () => {
    api = await startTestServer({ METRICS_TOKEN });
    channel = await configureWhatsApp(api, await api.adminToken());
  });
  afterAll(async () => {
    await api.close();
  });

  const nextFrom = () => String((from += 1));
  const deliver = (payload: unknown) => deliverWebhook(api, payload, channel.appSecret);

  async function storedMessage(wamid: string) {
    const [row] = await api.server.database.db.select().from(messages).where(eq(messages.channelMessageId, wamid));
    return row;
  }

  async function rejectedCount(outcome: string, reason: string): Promise<number> {
    const response = await api.request('GET', '/metrics', { token: METRICS_TOKEN });
    const line = new RegExp(
      `^switchboard_webhook_items_rejected_total\\{channel="whatsapp",outcome="${outcome}",reason="${reason}"\\} (\\d+)$`,
      'm',
    ).exec(response.text);
    return Number(line?.[1] ?? 0);
  }

  it('stores a text with a NUL, the NUL replaced, and counts the repair', async () => {
    const before = await rejectedCount('repaired', 'text');
    const wamid = newWamid();
    const response = await deliver(
      textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: nextFrom(), text: 'a\u0000b', wamid }),
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ok', messages_stored: 1 });
    expect((await storedMessage(wamid))?.body).toBe('a\ufffdb');
    expect(await rejectedCount('repaired', 'text')).toBe(before + 1);
  });

  it('stores the message of a contact whose profile name has a NUL, the name repaired', async () => {
    const wamid = newWamid();
    const sender = nextFrom();
    const response = await deliver(
      textMessagePayload({
        phoneNumberId: channel.phoneNumberId,
        from: sender,
        name: 'Ana\u0000Maria',
        text: 'oi',
        wamid,
      }),
    );
    expect(response.status).toBe(200);
    expect(response.body.messages_stored).toBe(1);
    const [contact] = await api.server.database.db
      .select({ name: contacts.name })
      .from(contacts)
      .where(eq(contacts.phone, `+${sender}`));
    expect(contact?.name).toBe('Ana\ufffdMaria');
  });

  it('skips a message whose id has a NUL or is 100 KB long, and one from a 5,000-character sender', async () => {
    const before = {
      messageId: await rejectedCount('skipped', 'message_id'),
      from: await rejectedCount('skipped', 'from'),
    };
    const cases = [
      textMessagePayload({
        phoneNumberId: channel.phoneNumberId,
        from: nextFrom(),
        text: 'x',
        wamid: 'wamid.a\u0000b',
      }),
      textMessagePayload({
        phoneNumberId: channel.phoneNumberId,
        from: nextFrom(),
        text: 'x',
        wamid: 'w'.repeat(100_000),
      }),
      textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: '5'.repeat(5_000), text: 'x' }),
    ];
    for (const payload of cases) {
      const response = await deliver(payload);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'ok', messages_stored: 0, duplicates: 0 });
    }
    expect(await rejectedCount('skipped', 'message_id')).toBe(before.messageId + 2);
    expect(await rejectedCount('skipped', 'from')).toBe(before.from + 1);
  });

  it('stores a message with timestamp 99999999999999 without its send time', async () => {
    const wamid = newWamid();
    const response = await deliver(
      textMessagePayload({
        phoneNumberId: channel.phoneNumberId,
        from: nextFrom(),
        text: 'from the far future',
        wamid,
        timestamp: 99999999999999,
      }),
    );
    expect(response.status).toBe(200);
    expect(response.body.messages_stored).toBe(1);
    const row = await storedMessage(wamid);
    expect(row?.body).toBe('from the far future');
    expect(row?.channelSentAt).toBeNull();
  });

  it('skips a media message whose media id would leave the Graph path (`..`)', async () => {
    const wamid = newWamid();
    const response = await deliver(
      mediaMessagePayload({
        phoneNumberId: channel.phoneNumberId,
        from: nextFrom(),
        mediaId: '..',
        kind: 'image',
        mimeType: 'image/jpeg',
        wamid,
      }),
    );
    expect(response.status).toBe(200);
    expect(response.body.messages_stored).toBe(0);
    expect(await storedMessage(wamid)).toBeUndefined();
  });

  it('stores the good messages of a delivery that also carries bad ones', async () => {
    const good = newWamid();
    const payload = textMessagePayload({
      phoneNumberId: channel.phoneNumberId,
      from: nextFrom(),
      text: 'bom',
      wamid: good,
    });
    const value = payload.entry[0]!.changes[0]!.value as unknown as { messages: Record<string, unknown>[] };
    const first = value.messages[0]!;
    value.messages.push(
      { ...first, id: 'x'.repeat(300) },
      { ...first, id: newWamid(), from: '1'.repeat(5_000) },
      { ...first, id: newWamid(), text: { body: 42 } },
    );
    const response = await deliver(payload);
    expect(response.status).toBe(200);
    expect(response.body.messages_stored).toBe(1);
    expect((await storedMessage(good))?.body).toBe('bom');
  });
});
