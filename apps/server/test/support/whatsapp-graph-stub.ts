/**
 * A local HTTP server on 127.0.0.1 that answers `POST /{phone-number-id}/messages` as the
 * WhatsApp Cloud API (Graph API) does: `{messaging_product, contacts: [{input, wa_id}],
 * messages: [{id: "wamid…"}]}`, or a Graph error `{error: {message, type, code,
 * error_data: {messaging_product, details}, fbtrace_id}}`. Tests queue the answers they
 * want (a 500 then a success …) and read what was sent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signatureOf } from '../../src/integrations/whatsapp/index.js';
import type { TestServer } from './server.js';

export interface GraphRequest {
  phoneNumberId: string;
  authorization: string | undefined;
  body: {
    messaging_product: string;
    recipient_type?: string;
    to: string;
    type: string;
    text?: { body: string; preview_url?: boolean };
    [part: string]: any;
  };
}

/** A file uploaded to `POST /{phone-number-id}/media` (multipart, as Meta takes it). */
export interface MediaUpload {
  phoneNumberId: string;
  authorization: string | undefined;
  messagingProduct: string | null;
  type: string | null;
  filename: string | null;
  fileType: string | null;
  bytes: Buffer;
  /** The media id the stub answered. */
  mediaId: string;
}

/** `{status: 'read', message_id}` posts to `/messages`. */
export interface ReadReceipt {
  phoneNumberId: string;
  messageId: string;
}

/** A template as `GET /{waba-id}/message_templates` lists it. */
export interface StubTemplate {
  id: string;
  name: string;
  language: string;
  status: string;
  category: string;
  parameter_format?: 'POSITIONAL' | 'NAMED';
  components: Record<string, unknown>[];
}

export type GraphAnswer =
  | { kind: 'success'; waId?: string }
  | { kind: 'error'; status: number; code: number; message: string; details: string }
  | { kind: 'raw'; status: number; body: string }
  /** Closes the connection without an answer (a network error for the client). */
  | { kind: 'drop' };

/** A file the stub serves as media a contact sent. */
export interface StubMedia {
  bytes: Buffer;
  mimeType: string;
  /** What the lookup says; by default the truth (hex SHA-256, the byte count). */
  sha256?: string;
  fileSize?: string;
}

export interface MediaRequest {
  kind: 'lookup' | 'file';
  mediaId: string;
  phoneNumberId: string | null;
  authorization: string | undefined;
}

export interface GraphStub {
  /** The base URL to set as WHATSAPP_GRAPH_URL, e.g. `http://127.0.0.1:41234/v21.0`. */
  url: string;
  requests: GraphRequest[];
  /** Answers for the next requests, in order; after them every request succeeds. */
  enqueue(...answers: GraphAnswer[]): void;
  sentWamids: string[];
  /** Media the stub knows, by media id: `GET /{media-id}` then the file's URL. */
  media: Map<string, StubMedia>;
  mediaRequests: MediaRequest[];
  /** Answers for the next media lookups, in order; after them the lookup answers from `media`. */
  enqueueMediaLookup(...answers: GraphAnswer[]): void;
  uploads: MediaUpload[];
  /** Answers for the next uploads, in order; after them every upload succeeds. */
  enqueueUpload(...answers: GraphAnswer[]): void;
  readReceipts: ReadReceipt[];
  /** Templates by business account id; listed 2 a page so paging is exercised. */
  templates: Map<string, StubTemplate[]>;
  templateRequests: { businessAccountId: string; authorization: string | undefined; after: string | null }[];
  close(): Promise<void>;
}

export function newWamid(): string {
  return `wamid.${randomBytes(24).toString('base64url')}`;
}

export async function startGraphStub(): Promise<GraphStub> {
  const requests: GraphRequest[] = [];
  const queue: GraphAnswer[] = [];
  const sentWamids: string[] = [];
  const media = new Map<string, StubMedia>();
  const mediaRequests: MediaRequest[] = [];
  const mediaQueue: GraphAnswer[] = [];
  const uploads: MediaUpload[] = [];
  const uploadQueue: GraphAnswer[] = [];
  const readReceipts: ReadReceipt[] = [];
  const templates = new Map<string, StubTemplate[]>();
  const templateRequests: GraphStub['templateRequests'] = [];
  let uploadCounter = 0;
  let baseUrl = '';
  const server: Server = createServer((request, response) => {
    void readBody(request).then(async (rawBytes) => {
      const raw = rawBytes.toString('utf8');
      const url = new URL(request.url ?? '/', 'http://stub');
      const listing = /^\/v21\.0\/(\d+)\/message_templates$/.exec(url.pathname);
      if (request.method === 'GET' && listing?.[1]) {
        const after = url.searchParams.get('after');
        templateRequests.push({ businessAccountId: listing[1], authorization: request.headers.authorization, after });
        const all = templates.get(listing[1]) ?? [];
        const start = after ? Number(after) : 0;
        const page = all.slice(start, start + 2);
        const next = start + 2 < all.length ? String(start + 2) : null;
        const nextUrl = new URL(`${baseUrl}${url.pathname}`);
        nextUrl.search = url.search;
        if (next) nextUrl.searchParams.set('after', next);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            data: page,
            paging: {
              cursors: { before: String(start), after: next ?? String(start) },
              ...(next ? { next: nextUrl.href } : {}),
            },
          }),
        );
        return;
      }
      const upload = /^\/v21\.0\/(\d+)\/media$/.exec(url.pathname);
      if (request.method === 'POST' && upload?.[1]) {
        const queued = uploadQueue.shift();
        if (queued && queued.kind !== 'success') return answerWith(request, response, queued, () => undefined);
        const form = await new Request('http://stub/', {
          method: 'POST',
          headers: { 'content-type': request.headers['content-type'] ?? '' },
          body: rawBytes,
        }).formData();
        const file = form.get('file');
        uploadCounter += 1;
        const mediaId = `${9000000000000000 + uploadCounter}`;
        uploads.push({
          phoneNumberId: upload[1],
          authorization: request.headers.authorization,
          messagingProduct:
            typeof form.get('messaging_product') === 'string' ? (form.get('messaging_product') as string) : null,
          type: typeof form.get('type') === 'string' ? (form.get('type') as string) : null,
          filename: file instanceof File ? file.name : null,
          fileType: file instanceof File ? file.type : null,
          bytes: file instanceof File ? Buffer.from(await file.arrayBuffer()) : Buffer.alloc(0),
          mediaId,
        });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ id: mediaId }));
        return;
      }
      const lookup = /^\/v21\.0\/(\d+)$/.exec(url.pathname);
      const file = /^\/media-files\/(\d+)$/.exec(url.pathname);
      if (request.method === 'GET' && (lookup?.[1] || file?.[1])) {
        const mediaId = (lookup?.[1] ?? file?.[1]) as string;
        mediaRequests.push({
          kind: lookup ? 'lookup' : 'file',
          mediaId,
          phoneNumberId: url.searchParams.get('phone_number_id'),
          authorization: request.headers.authorization,
        });
        const known = media.get(mediaId);
        const queued = lookup ? mediaQueue.shift() : undefined;
        if (queued) return answerWith(request, response, queued, () => undefined);
        if (!known || !request.headers.authorization?.startsWith('Bearer ')) {
          response.writeHead(known ? 401 : 400, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({
              error: { message: 'Unsupported get request.', type: 'GraphMethodException', code: 100, fbtrace_id: 'Ab' },
            }),
          );
          return;
        }
        if (file) {
          response.writeHead(200, { 'content-type': known.mimeType, 'content-length': String(known.bytes.length) });
          response.end(known.bytes);
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            messaging_product: 'whatsapp',
            url: `${baseUrl}/media-files/${mediaId}`,
            mime_type: known.mimeType,
            sha256: known.sha256 ?? createHash('sha256').update(known.bytes).digest('hex'),
            file_size: known.fileSize ?? String(known.bytes.length),
            id: mediaId,
          }),
        );
        return;
      }
      const match = /^\/v21\.0\/([^/]+)\/messages$/.exec(request.url ?? '');
      if (request.method !== 'POST' || !match?.[1]) {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: 'Unknown path', type: 'GraphMethodException', code: 100 } }));
        return;
      }
      const body = JSON.parse(raw) as GraphRequest['body'];
      if (body.status === 'read' && typeof body.message_id === 'string') {
        readReceipts.push({ phoneNumberId: decodeURIComponent(match[1]), messageId: body.message_id });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ success: true }));
        return;
      }
      requests.push({
        phoneNumberId: decodeURIComponent(match[1]),
        authorization: request.headers.authorization,
        body,
      });
      const answer = queue.shift() ?? { kind: 'success' };
      answerWith(request, response, answer, () => {
        const wamid = newWamid();
        sentWamids.push(wamid);
        return {
          messaging_product: 'whatsapp',
          contacts: [{ input: body.to, wa_id: (answer.kind === 'success' && answer.waId) || body.to }],
          messages: [{ id: wamid }],
        };
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: `${baseUrl}/v21.0`,
    requests,
    sentWamids,
    media,
    mediaRequests,
    enqueue: (...answers) => queue.push(...answers),
    enqueueMediaLookup: (...answers) => mediaQueue.push(...answers),
    uploads,
    enqueueUpload: (...answers) => uploadQueue.push(...answers),
    readReceipts,
    templates,
    templateRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes a queued answer; `success` answers with `successBody()`. */
function answerWith(
  request: IncomingMessage,
  response: ServerResponse,
  answer: GraphAnswer,
  successBody: () => unknown,
): void {
  switch (answer.kind) {
    case 'drop':
      request.socket.destroy();
      return;
    case 'raw':
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(answer.body);
      return;
    case 'error':
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: {
            message: `(#${answer.code}) ${answer.message}`,
            type: 'OAuthException',
            code: answer.code,
            error_data: { messaging_product: 'whatsapp', details: answer.details },
            fbtrace_id: 'AbCdEfGhIjKlMnOp',
          },
        }),
      );
      return;
    case 'success':
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(successBody()));
      return;
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

// ── webhook payloads, as the Cloud API sends them ──────────────────────────────

const WABA_ID = '102290129340398';
const DISPLAY_NUMBER = '15550783881';

function envelope(phoneNumberId: string, value: Record<string, unknown>) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WABA_ID,
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: DISPLAY_NUMBER, phone_number_id: phoneNumberId },
              ...value,
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
}

export function textMessagePayload(input: {
  phoneNumberId: string;
  from: string;
  name?: string;
  text: string;
  wamid?: string;
  timestamp?: number;
}) {
  return envelope(input.phoneNumberId, {
    contacts: [{ profile: { name: input.name ?? 'Maria Souza' }, wa_id: input.from }],
    messages: [
      {
        from: input.from,
        id: input.wamid ?? newWamid(),
        timestamp: String(input.timestamp ?? Math.floor(Date.now() / 1000)),
        text: { body: input.text },
        type: 'text',
      },
    ],
  });
}

export function imageMessagePayload(input: {
  phoneNumberId: string;
  from: string;
  mediaId: string;
  caption?: string;
  wamid?: string;
}) {
  return mediaMessagePayload({ ...input, kind: 'image', mimeType: 'image/jpeg' });
}

/** A photo, voice note, video or document, as the Cloud API announces it (the file by id only). */
export function mediaMessagePayload(input: {
  phoneNumberId: string;
  from: string;
  mediaId: string;
  kind: 'image' | 'audio' | 'video' | 'document' | 'sticker';
  mimeType: string;
  caption?: string;
  filename?: string;
  wamid?: string;
}) {
  return envelope(input.phoneNumberId, {
    contacts: [{ profile: { name: 'Maria Souza' }, wa_id: input.from }],
    messages: [
      {
        from: input.from,
        id: input.wamid ?? newWamid(),
        timestamp: String(Math.floor(Date.now() / 1000)),
        type: input.kind,
        [input.kind]: {
          ...(input.caption ? { caption: input.caption } : {}),
          ...(input.filename ? { filename: input.filename } : {}),
          mime_type: input.mimeType,
          sha256: 'Kt0ZSbnGrUm6r0VXT5PfD2FVQR0Tvsb2o6fE1M8w2f8=',
          id: input.mediaId,
        },
      },
    ],
  });
}

/** Any message the Cloud API delivers: `message` is its type-specific part (`{type: 'reaction', reaction: {…}}` …). */
export function messagePayload(input: {
  phoneNumberId: string;
  from: string;
  message: Record<string, unknown>;
  wamid?: string;
  timestamp?: number;
  context?: { from: string; id: string };
}) {
  return envelope(input.phoneNumberId, {
    contacts: [{ profile: { name: 'Maria Souza' }, wa_id: input.from }],
    messages: [
      {
        from: input.from,
        id: input.wamid ?? newWamid(),
        timestamp: String(input.timestamp ?? Math.floor(Date.now() / 1000)),
        ...(input.context ? { context: input.context } : {}),
        ...input.message,
      },
    ],
  });
}

/** `message_template_status_update`, as Meta sends it for the business account. */
export function templateStatusPayload(input: {
  businessAccountId: string;
  templateId: string;
  name: string;
  language: string;
  event: string;
  reason?: string;
}) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: input.businessAccountId,
        time: Math.floor(Date.now() / 1000),
        changes: [
          {
            value: {
              event: input.event,
              message_template_id: Number(input.templateId),
              message_template_name: input.name,
              message_template_language: input.language,
              reason: input.reason ?? 'NONE',
            },
            field: 'message_template_status_update',
          },
        ],
      },
    ],
  };
}

export function statusPayload(input: {
  phoneNumberId: string;
  wamid: string;
  recipient: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  error?: { code: number; title: string; details: string };
}) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return envelope(input.phoneNumberId, {
    statuses: [
      {
        id: input.wamid,
        status: input.status,
        timestamp,
        recipient_id: input.recipient,
        ...(input.status === 'failed' && input.error
          ? {
              errors: [
                {
                  code: input.error.code,
                  title: input.error.title,
                  message: input.error.title,
                  error_data: { details: input.error.details },
                  href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
                },
              ],
            }
          : {
              conversation: {
                id: 'a75d17ad06104c51166f948319b03c6a',
                expiration_timestamp: timestamp,
                origin: { type: 'service' },
              },
              pricing: { billable: true, pricing_model: 'CBP', category: 'service' },
            }),
      },
    ],
  });
}

/** The raw body and its `X-Hub-Signature-256` header, signed with `appSecret`. */
export function signed(payload: unknown, appSecret: string): { rawBody: string; headers: Record<string, string> } {
  const rawBody = JSON.stringify(payload);
  return {
    rawBody,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signatureOf(rawBody, appSecret) },
  };
}

// ── the channel, configured through the API ───────────────────────────────────

export interface WhatsAppChannelSecrets {
  phoneNumberId: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  businessAccountId?: string;
}

let channelCounter = 0;

/** Configures the company's WhatsApp number as its admin and returns what Meta would know. */
export async function configureWhatsApp(
  api: TestServer,
  adminToken: string,
  overrides: Partial<WhatsAppChannelSecrets> = {},
): Promise<WhatsAppChannelSecrets> {
  channelCounter += 1;
  const secrets: WhatsAppChannelSecrets = {
    phoneNumberId: overrides.phoneNumberId ?? `10654035224${String(channelCounter).padStart(4, '0')}`,
    accessToken: overrides.accessToken ?? `EAAG${randomBytes(24).toString('hex')}`,
    appSecret: overrides.appSecret ?? randomBytes(16).toString('hex'),
    verifyToken: overrides.verifyToken ?? `verify-${randomBytes(8).toString('hex')}`,
  };
  const response = await api.request('PUT', '/api/channels/whatsapp', {
    token: adminToken,
    body: {
      phone_number_id: secrets.phoneNumberId,
      access_token: secrets.accessToken,
      app_secret: secrets.appSecret,
      verify_token: secrets.verifyToken,
      ...(overrides.businessAccountId ? { business_account_id: overrides.businessAccountId } : {}),
    },
  });
  if (overrides.businessAccountId) secrets.businessAccountId = overrides.businessAccountId;
  if (response.status !== 200) throw new Error(`configure WhatsApp failed: ${response.status} ${response.text}`);
  return secrets;
}

/** Posts a webhook delivery signed with the app secret, as Meta does. */
export function deliverWebhook(api: TestServer, payload: unknown, appSecret: string) {
  const { rawBody, headers } = signed(payload, appSecret);
  return api.request<any>('POST', '/webhooks/whatsapp', { rawBody, headers });
}

/**
 * A conversation a contact started by writing `text` from `waId` (so an agent replies inside
 * WhatsApp's service window): the message delivered through the signed webhook, the
 * conversation found by the number.
 */
export async function inboundConversationFrom(
  api: TestServer,
  admin: string,
  channel: WhatsAppChannelSecrets,
  waId: string,
  text = 'oi',
): Promise<string> {
  const delivered = await deliverWebhook(
    api,
    textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: waId, text }),
    channel.appSecret,
  );
  if (delivered.status !== 200) throw new Error(`webhook refused: ${delivered.status} ${delivered.text}`);
  const list = await api.request('GET', `/api/conversations?q=${waId}`, { token: admin });
  return list.body.items[0].id as string;
}
