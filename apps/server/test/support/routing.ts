/**
 * Routing test steps over the real API: queues, agents who come online over Socket.IO,
 * customers who write over a signed WhatsApp webhook.
 */
import { createUserAndLogin, type TestServer } from './server.js';
import { connectSocket, type Envelope } from './socket.js';
import { deliverWebhook, newWamid, textMessagePayload, type WhatsAppChannelSecrets } from './whatsapp-graph-stub.js';

export interface OnlineAgent {
  id: string;
  token: string;
  received: Envelope[];
  waitFor: (predicate: (e: Envelope[]) => boolean, ms?: number) => Promise<void>;
  emit<T = any>(event: string, payload: unknown): Promise<T>;
  disconnect(): void;
}

/** A new agent, signed in, with a socket open and their status set over it. */
export async function agentOnline(
  api: TestServer,
  adminToken: string,
  input: { name?: string; status?: 'online' | 'away' | 'busy' } = {},
): Promise<OnlineAgent> {
  const user = await createUserAndLogin(api, adminToken, {
    role: 'agent',
    ...(input.name ? { name: input.name } : {}),
  });
  const connection = await connectSocket(api.baseUrl, { token: user.token });
  const emit = <T>(event: string, payload: unknown) =>
    new Promise<T>((resolve) => connection.socket.emit(event, payload, (ack: T) => resolve(ack)));
  const ack = await emit<{ ok: boolean }>('update_status', { status: input.status ?? 'online' });
  if (!ack.ok) throw new Error(`update_status failed: ${JSON.stringify(ack)}`);
  return {
    id: user.id,
    token: user.token,
    received: connection.received,
    waitFor: connection.waitFor,
    emit,
    disconnect: () => connection.socket.disconnect(),
  };
}

export async function createQueue(api: TestServer, adminToken: string, body: Record<string, unknown>) {
  const response = await api.request('POST', '/api/queues', {
    token: adminToken,
    body: { channels: ['whatsapp'], ...body },
  });
  if (response.status !== 201) throw new Error(`create queue failed: ${response.status} ${response.text}`);
  return response.body as { id: string; name: string };
}

export async function setMembers(
  api: TestServer,
  adminToken: string,
  queueId: string,
  members: { user_id: string; priority?: number }[],
) {
  const response = await api.request('PUT', `/api/queues/${queueId}/members`, { token: adminToken, body: members });
  if (response.status !== 200) throw new Error(`set members failed: ${response.status} ${response.text}`);
}

export async function routeWhatsAppTo(
  api: TestServer,
  adminToken: string,
  body: { default_queue_id: string | null; menu?: unknown },
) {
  const response = await api.request('PUT', '/api/channels/whatsapp/routing', { token: adminToken, body });
  if (response.status !== 200) throw new Error(`channel routing failed: ${response.status} ${response.text}`);
}

let customerCounter = 0;

/** A new customer number (E.164 digits, as WhatsApp's wa_id). */
export function newCustomer(): string {
  customerCounter += 1;
  return `55119${String(Date.now() % 10_000_000).padStart(7, '0')}${String(customerCounter).padStart(3, '0')}`.slice(
    0,
    15,
  );
}

/** The customer writes over a signed webhook; resolves once it is stored. */
export async function customerWrites(
  api: TestServer,
  secrets: WhatsAppChannelSecrets,
  from: string,
  text: string,
  name = 'Maria Souza',
) {
  const payload = textMessagePayload({ phoneNumberId: secrets.phoneNumberId, from, text, name, wamid: newWamid() });
  const response = await deliverWebhook(api, payload, secrets.appSecret);
  if (response.status !== 200) throw new Error(`webhook failed: ${response.status} ${response.text}`);
}

/** Polls until `check` holds (bounded); routing runs after the webhook answers. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not in time`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The customer's conversation, once stored. */
export async function conversationOf(api: TestServer, adminToken: string, phone: string) {
  return eventually(async () => {
    const list = await api.request('GET', `/api/conversations?q=${phone}&limit=5`, { token: adminToken });
    return (list.body.items as any[] | undefined)?.find((c) => c.contact.phone?.replace('+', '') === phone);
  }, `conversation of ${phone}`);
}
