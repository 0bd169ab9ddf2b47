/**
 * Shared parts of the ARI emulator: its state, and HTTP answers written the way Asterisk
 * 22.10.1 writes them (header order `Server, Date, Cache-Control, [Location|Allow|
 * WWW-Authenticate], Content-type, Content-Length`, compact JSON; ari-rest/NNN-*.json).
 */
import type { ServerResponse } from 'node:http';
import type {
  AriBridge,
  AriChannel,
  AriLiveRecording,
  AriPlayback,
} from '../../src/integrations/asterisk-ari/index.js';

export const ASTERISK_ID = '02:fc:00:00:00:01';

/** What the emulated Asterisk holds; tests may read and change it directly. */
export interface AriEmulatorState {
  channels: Map<string, AriChannel>;
  /** Channels in a Stasis app; only these accept answer, play, bridge and continue. */
  stasisChannelIds: Set<string>;
  variables: Map<string, Map<string, string>>;
  bridges: Map<string, AriBridge>;
  playbacks: Map<string, AriPlayback>;
  liveRecordings: Map<string, AriLiveRecording>;
  storedRecordings: Map<string, { name: string; format: string }>;
  /** Snoop channel id → the channel it spies on: it goes when that channel goes. */
  snoops: Map<string, { spiedChannelId: string; spy: string; whisper: string }>;
  /** Bridges playing music on hold (an announcer channel in Asterisk). */
  mohBridgeIds: Set<string>;
  activeApps: () => string[];
  nextSequence: () => number;
}

/** What a route may ask of the emulator beyond its answer: events and a crash. */
export interface AriRouteEffects {
  emit: (event: Record<string, unknown>) => void;
  crash: (reason: string) => void;
  onOriginate: (channel: AriChannel) => void;
}

export interface Context {
  res: ServerResponse;
  params: string[];
  query: URLSearchParams;
  body: string;
  state: AriEmulatorState;
  effects: AriRouteEffects;
}

export type Handler = (context: Context) => void;

export function asteriskTimestamp(date = new Date()): string {
  return date.toISOString().replace('Z', '+0000');
}

export function send(
  res: ServerResponse,
  status: number,
  statusText: string,
  body: unknown,
  extra: [string, string][] = [],
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = [
    ['Server', 'Asterisk/22.10.1'],
    ['Date', new Date().toUTCString()],
    ['Cache-Control', 'no-cache, no-store'],
    ...extra,
    ...(body === undefined ? [] : [['Content-type', 'application/json']]),
    ['Content-Length', String(Buffer.byteLength(text))],
  ];
  res.writeHead(status, statusText, headers.flat());
  res.end(text);
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
};

export function sendOk(res: ServerResponse, body: unknown, status = 200, extra: [string, string][] = []): void {
  send(res, status, STATUS_TEXT[status] ?? 'OK', body, extra);
}

export function sendNoContent(res: ServerResponse): void {
  send(res, 204, 'No Content', undefined);
}

/** Some error lines carry their own reason phrase (043 `Not found`, 078 `Variable Not Found`, 093, 113, 037). */
export function sendError(res: ServerResponse, status: number, message: string, statusText?: string): void {
  send(res, status, statusText ?? STATUS_TEXT[status] ?? 'Error', { message });
}

export function sendUnauthorized(res: ServerResponse): void {
  send(res, 401, 'Unauthorized', { message: 'Authentication required' }, [
    ['WWW-Authenticate', 'Basic realm="Asterisk REST Interface"'],
  ]);
}

export function parseCallerId(callerId: string | null): { name: string; number: string } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$/.exec(callerId ?? '');
  return match ? { name: match[1] ?? '', number: match[2] ?? '' } : { name: '', number: callerId ?? '' };
}

export const KNOWN_TECHNOLOGIES = new Set(['Local', 'PJSIP', 'AudioSocket', 'UnicastRTP', 'Snoop', 'WebSocket']);

export function buildChannel(state: AriEmulatorState, fields: Partial<AriChannel> & { id: string }): AriChannel {
  return {
    id: fields.id,
    name: fields.name ?? `Local/600@cc-test-${state.nextSequence().toString(16).padStart(8, '0')};1`,
    state: fields.state ?? 'Down',
    protocol_id: '',
    caller: fields.caller ?? { name: '', number: '' },
    connected: fields.connected ?? fields.caller ?? { name: '', number: '' },
    accountcode: '',
    dialplan: fields.dialplan ?? { context: 'cc-test', exten: 's', priority: 1, app_name: '', app_data: '' },
    creationtime: fields.creationtime ?? asteriskTimestamp(),
    language: 'en',
    ...(fields.channelvars ? { channelvars: fields.channelvars } : {}),
  };
}
