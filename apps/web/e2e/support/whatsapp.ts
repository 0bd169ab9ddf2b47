/**
 * WhatsApp Cloud API at the wire: a local Graph API stub that accepts outbound messages
 * (`POST /{phone-number-id}/messages` → `{messages: [{id: "wamid…"}]}`), and webhook
 * deliveries as Meta sends them, signed with `X-Hub-Signature-256` (HMAC-SHA256 of the
 * raw body with the app secret).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningServer } from './server';

export interface GraphStub {
  /** For WHATSAPP_GRAPH_URL. */
  url: string;
  sent: { to: string; text: string; wamid: string; body: Record<string, any> }[];
  /** Files uploaded to `POST /{phone-number-id}/media` (multipart, as Meta takes them). */
  uploads: { mediaId: string; type: string | null; filename: string | null; bytes: Buffer }[];
  /** `GET /{waba-id}/message_templates` answers these, by business account id. */
  templates: Map<string, Record<string, unknown>[]>;
  /** Files contacts "sent", by media id: `GET /{media-id}` then the file's URL, as Meta serves them. */
  media: Map<string, { bytes: Buffer; mimeType: string }>;
  close(): Promise<void>;
}

export async function startGraphStub(): Promise<GraphStub> {
  const sent: GraphStub['sent'] = [];
  const media: GraphStub['media'] = new Map();
  const uploads: GraphStub['uploads'] = [];
  const templates: GraphStub['templates'] = new Map();
  let baseUrl = '';
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://stub').pathname;
      const waba = /^\/v21\.0\/(\d+)\/message_templates$/.exec(path)?.[1];
      if (request.method === 'GET' && waba) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ data: templates.get(waba) ?? [], paging: { cursors: { before: '0', after: '0' } } }),
        );
        return;
      }
      if (request.method === 'POST' && /^\/v21\.0\/\d+\/media$/.test(path)) {
        void new Request('http://stub/', {
          method: 'POST',
          headers: { 'content-type': request.headers['content-type'] ?? '' },
          body: Buffer.concat(chunks),
        })
          .formData()
          .then(async (form) => {
            const file = form.get('file');
            const mediaId = String(8_000_000_000_000_000 + uploads.length + 1);
            uploads.push({
              mediaId,
              type: (() => {
                const type = form.get('type');
                return typeof type === 'string' ? type : null;
              })(),
              filename: file instanceof File ? file.name : null,
              bytes: file instanceof File ? Buffer.from(await file.arrayBuffer()) : Buffer.alloc(0),
            });
            response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: mediaId }));
          });
        return;
      }
      const lookup = /^\/v21\.0\/(\d+)$/.exec(path)?.[1];
      const file = /^\/media-files\/(\d+)$/.exec(path)?.[1];
      const known = media.get(lookup ?? file ?? '');
      if (request.method === 'GET' && known && request.headers.authorization?.startsWith('Bearer ')) {
        if (file) {
          response.writeHead(200, { 'content-type': known.mimeType }).end(known.bytes);
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            messaging_product: 'whatsapp',
            url: `${baseUrl}/media-files/${lookup}`,
            mime_type: known.mimeType,
            sha256: createHash('sha256').update(known.bytes).digest('hex'),
            file_size: String(known.bytes.length),
            id: lookup,
          }),
        );
        return;
      }
      if (request.method !== 'POST' || !/\/messages$/.test(request.url ?? '')) {
        response.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
      if (body.status === 'read') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: true }));
        return;
      }
      const wamid = `wamid.${randomBytes(24).toString('base64url')}`;
      sent.push({ to: body.to, text: body.text?.body ?? body.interactive?.body?.text ?? '', wamid, body });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          messaging_product: 'whatsapp',
          contacts: [{ input: body.to, wa_id: body.to }],
          messages: [{ id: wamid }],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: `${baseUrl}/v21.0`,
    sent,
    media,
    uploads,
    templates,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface WhatsAppChannel {
  phoneNumberId: string;
  appSecret: string;
}

/** Configures the company's number through the API, as an admin would in the console. */
export async function configureWhatsApp(
  server: RunningServer,
  options: { businessAccountId?: string } = {},
): Promise<WhatsAppChannel> {
  const channel = { phoneNumberId: '106540352242922', appSecret: randomBytes(16).toString('hex') };
  const response = await server.request('PUT', '/api/channels/whatsapp', {
    token: await server.adminToken(),
    body: {
      phone_number_id: channel.phoneNumberId,
      access_token: `EAAG${randomBytes(24).toString('hex')}`,
      app_secret: channel.appSecret,
      verify_token: `verify-${randomBytes(8).toString('hex')}`,
      ...(options.businessAccountId ? { business_account_id: options.businessAccountId } : {}),
    },
  });
  if (response.status !== 200) throw new Error(`configure WhatsApp failed: ${response.status} ${response.text}`);
  return channel;
}

function envelope(phoneNumberId: string, value: Record<string, unknown>) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
              ...value,
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
}

/** A message a contact sends, as the webhook carries it: `content` is `{type, [type]: …}`. */
export function contactMessage(
  channel: WhatsAppChannel,
  contact: { from: string; name: string; timestamp?: number },
  content: Record<string, unknown>,
) {
  return envelope(channel.phoneNumberId, {
    contacts: [{ profile: { name: contact.name }, wa_id: contact.from }],
    messages: [
      {
        from: contact.from,
        id: `wamid.${randomBytes(24).toString('base64url')}`,
        timestamp: String(contact.timestamp ?? Math.floor(Date.now() / 1000)),
        ...content,
      },
    ],
  });
}

export function textMessage(
  channel: WhatsAppChannel,
  input: { from: string; name: string; text: string; timestamp?: number },
) {
  return contactMessage(channel, input, { type: 'text', text: { body: input.text } });
}

/** A photo a contact sends: the webhook names it by media id only. */
export function imageMessage(
  channel: WhatsAppChannel,
  input: { from: string; name: string; mediaId: string; caption: string },
) {
  return contactMessage(channel, input, {
    type: 'image',
    image: { caption: input.caption, mime_type: 'image/png', id: input.mediaId },
  });
}

export function deliveryStatus(
  channel: WhatsAppChannel,
  input: { wamid: string; recipient: string; status: 'sent' | 'delivered' | 'read' },
) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return envelope(channel.phoneNumberId, {
    statuses: [
      {
        id: input.wamid,
        status: input.status,
        timestamp,
        recipient_id: input.recipient,
        conversation: {
          id: 'a75d17ad06104c51166f948319b03c6a',
          expiration_timestamp: timestamp,
          origin: { type: 'service' },
        },
        pricing: { billable: true, pricing_model: 'CBP', category: 'service' },
      },
    ],
  });
}

/** Posts a delivery to /webhooks/whatsapp, signed as Meta signs it. */
export async function deliverWebhook(
  server: RunningServer,
  channel: WhatsAppChannel,
  payload: unknown,
): Promise<number> {
  const rawBody = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', channel.appSecret).update(rawBody).digest('hex')}`;
  const response = await server.request('POST', '/webhooks/whatsapp', {
    rawBody,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
  });
  return response.status;
}
