/**
 * Holds the ARI emulator to the captures: each listed exchange of ari-rest/ is sent as
 * captured, after putting the emulator in the state Asterisk was in, and the answer must
 * match: status line, header names in order, header values, and the body (timestamps,
 * creation times and allocation counters aside).
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AriBridge, AriChannel } from '../../src/integrations/asterisk-ari/index.js';
import { ARI_FIXTURES_DIR, AriEmulator } from '../support/ari-emulator.js';

interface Exchange {
  request: {
    method: string;
    path: string;
    query: Record<string, string | number>;
    body: unknown;
    auth: string;
  };
  response: {
    status: number;
    statusText: string;
    headers: { raw: [string, string][] };
    body: unknown;
  };
}

function capture(number: string): Exchange {
  const name = readdirCaptures().find((file) => file.startsWith(`${number}-`));
  return JSON.parse(readFileSync(`${ARI_FIXTURES_DIR}ari-rest/${name}`, 'utf8')) as Exchange;
}

function readdirCaptures(): string[] {
  return (JSON.parse(readFileSync(`${ARI_FIXTURES_DIR}ari-rest/index.json`, 'utf8')) as { file: string }[]).map(
    (entry) => entry.file,
  );
}

/** Values that differ on every run: times, and counters Asterisk allocates (`-0000000a`, `-0x7f8c…`). */
function normalize(text: string): string {
  return text
    .replace(/"(timestamp|creationtime)":"[^"]+"/g, '"$1":"<time>"')
    .replace(/-[0-9a-f]{8}(;[12])?"/g, '-<seq>$1"')
    .replace(/-0x[0-9a-f]+"/g, '-<ptr>"');
}

const channelsOf026 = (capture('026').response.body as AriChannel[]).map((channel) => structuredClone(channel));

/** The state of the capture session around exchanges 026–046. */
function resetToCaptureSession(emulator: AriEmulator): void {
  const { state } = emulator;
  state.channels.clear();
  state.stasisChannelIds.clear();
  state.bridges.clear();
  state.playbacks.clear();
  state.liveRecordings.clear();
  state.storedRecordings.clear();
  state.variables.clear();
  for (const channel of [...channelsOf026].reverse()) state.channels.set(channel.id, structuredClone(channel));
  state.stasisChannelIds.add('rest-inbound-1').add('rest-agent-1');
  state.variables.set('rest-agent-1', new Map([['CC_QUEUE', 'sales']]));
  const bridge = structuredClone(capture('036').response.body as AriBridge);
  state.bridges.set(bridge.id, bridge);
  state.playbacks.set('rest-pb-1', {
    id: 'rest-pb-1',
    media_uri: 'sound:demo-congrats',
    target_uri: 'channel:rest-agent-1',
    language: 'en',
    state: 'playing',
  });
  state.storedRecordings.set('rest-chan-rec', { name: 'rest-chan-rec', format: 'wav' });
}

type Prepare = (emulator: AriEmulator) => void;

const removeChannel =
  (id: string): Prepare =>
  (emulator) =>
    void emulator.state.channels.delete(id);
const clearChannels: Prepare = (emulator) => emulator.state.channels.clear();
const createdChannel: Prepare = (emulator) => {
  const channel = structuredClone(channelsOf026[3] as AriChannel);
  emulator.state.channels.set('rest-created-1', { ...channel, id: 'rest-created-1', state: 'Down' });
  emulator.state.stasisChannelIds.add('rest-created-1');
};

const externalMediaChannels: Prepare = (emulator) => {
  for (const number of ['103', '104']) {
    const channel = structuredClone(capture(number).response.body as AriChannel);
    emulator.state.channels.set(channel.id, { ...channel, state: 'Up' });
    emulator.state.stasisChannelIds.add(channel.id);
  }
};

/** Captured exchanges the emulator must reproduce, with what to change in the state first. */
const CASES: [string, Prepare?][] = [
  ['002'],
  ['003', clearChannels],
  ['004', (emulator) => emulator.state.bridges.clear()],
  ['008'],
  ['012'],
  ['013'],
  ['014', clearChannels],
  ['015'],
  ['016'],
  ['017'],
  ['018'],
  ['019'],
  ['020'],
  ['021'],
  ['023', removeChannel('rest-agent-1')],
  ['024'],
  ['025', clearChannels],
  ['027'],
  ['028'],
  ['029'],
  ['030'],
  ['031'],
  ['033'],
  ['034'],
  ['035'],
  ['036', (emulator) => emulator.state.bridges.clear()],
  ['037'],
  ['038'],
  ['039'],
  ['040', (emulator) => (emulator.state.bridges.get('rest-bridge-1')!.channels = ['rest-agent-1', 'rest-inbound-1'])],
  ['042'],
  ['043'],
  ['044'],
  ['045'],
  ['046'],
  ['047'],
  ['048'],
  ['051'],
  ['052'],
  ['053', (emulator) => (emulator.state.bridges.get('rest-bridge-1')!.channels = ['rest-agent-1'])],
  ['054'],
  ['055', (emulator) => emulator.state.playbacks.clear()],
  ['056'],
  ['057'],
  ['058'],
  ['059'],
  ['060', (emulator) => emulator.state.playbacks.clear()],
  ['061'],
  ['062'],
  ['063'],
  ['064'],
  ['066', (emulator) => emulator.state.storedRecordings.clear()],
  ['067'],
  ['069'],
  ['070'],
  ['071', (emulator) => emulator.state.storedRecordings.clear()],
  ['073'],
  ['074'],
  ['075'],
  ['077'],
  ['078'],
  ['079'],
  ['080'],
  ['081'],
  ['082'],
  ['083'],
  ['084'],
  ['085'],
  ['086'],
  ['087'],
  ['088'],
  ['089'],
  ['090'],
  ['091'],
  ['092'],
  ['093'],
  ['094'],
  ['095'],
  ['096', (emulator) => emulator.state.stasisChannelIds.delete('rest-inbound-1')],
  ['097'],
  ['098'],
  ['100'],
  ['101', createdChannel],
  ['102', (emulator) => (createdChannel(emulator), (emulator.state.channels.get('rest-created-1')!.state = 'Up'))],
  ['103'],
  ['104'],
  ['105'],
  ['106'],
  ['107'],
  ['108'],
  ['110'],
  ['111', externalMediaChannels],
  ['113', externalMediaChannels],
  ['114', externalMediaChannels],
  ['115', externalMediaChannels],
  ['116'],
  ['117', removeChannel('rest-agent-1')],
  ['119'],
  ['120', (emulator) => emulator.state.bridges.clear()],
  ['121'],
];

function send(emulator: AriEmulator, exchange: Exchange) {
  const { method, path, query, body, auth } = exchange.request;
  const search = new URLSearchParams(
    Object.entries(query).map(([key, value]): [string, string] => [key, String(value)]),
  );
  const headers: Record<string, string> = {};
  if (auth === 'basic ari:ari') headers.authorization = `Basic ${Buffer.from('ari:ari').toString('base64')}`;
  if (auth.startsWith('custom:')) headers.authorization = auth.slice('custom:'.length);
  const payload = body === null ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const url = new URL(`${path}${search.size > 0 ? `?${search.toString()}` : ''}`, emulator.url);
  return new Promise<{ status: number; statusText: string; rawHeaders: string[]; body: string }>((resolve, reject) => {
    const outgoing = request(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          rawHeaders: response.rawHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

function headerPairs(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let index = 0; index < raw.length; index += 2) pairs.push([raw[index] ?? '', raw[index + 1] ?? '']);
  // Node's HTTP server adds these two; Asterisk's captures do not show them.
  return pairs.filter(([name]) => name !== 'Connection' && name !== 'Keep-Alive');
}

describe('the ARI emulator answers as Asterisk 22.10.1 did', () => {
  let emulator: AriEmulator;

  beforeAll(async () => {
    emulator = await AriEmulator.start();
  });
  afterAll(async () => {
    await emulator.close();
  });

  it.each(CASES)('reproduces exchange %s', async (number, prepare) => {
    resetToCaptureSession(emulator);
    prepare?.(emulator);
    const exchange = capture(number);
    const answer = await send(emulator, exchange);
    const expected = exchange.response;
    expect([answer.status, answer.statusText]).toEqual([expected.status, expected.statusText]);
    const actualHeaders = headerPairs(answer.rawHeaders);
    expect(actualHeaders.map(([name]) => name)).toEqual(expected.headers.raw.map(([name]) => name));
    for (const [name, value] of expected.headers.raw) {
      if (name === 'Date' || name === 'Content-Length') continue;
      expect(actualHeaders.find(([actual]) => actual === name)?.[1]).toBe(value);
    }
    const expectedBody = typeof expected.body === 'string' ? expected.body : JSON.stringify(expected.body);
    expect(normalize(answer.body)).toBe(normalize(expectedBody));
    expect(actualHeaders.find(([name]) => name === 'Content-Length')?.[1]).toBe(String(Buffer.byteLength(answer.body)));
  });

  it.each([
    ['wrong password', '/ari/events?api_key=ari:wrong&app=callcenter'],
    ['no app parameter', '/ari/events?api_key=ari:ari'],
  ])('rejects a WebSocket upgrade with the captured bytes: %s', async (which, path) => {
    const handshakes = JSON.parse(readFileSync(`${ARI_FIXTURES_DIR}ari-rest/ws-handshakes.json`, 'utf8')) as {
      case: string;
      response_raw: string;
    }[];
    const expected = handshakes.find((entry) => entry.case === which)?.response_raw ?? '';
    const received = await rawUpgrade(emulator, path);
    const withoutDate = (text: string) => text.replace(/Date: [^\r]+/g, 'Date: <date>');
    expect(withoutDate(received)).toBe(withoutDate(expected));
  });

  it('accepts a WebSocket upgrade with only the three headers Asterisk sends', async () => {
    const received = await rawUpgrade(emulator, '/ari/events?api_key=ari:ari&app=callcenter&subscribeAll=true');
    expect(received).toMatch(
      /^HTTP\/1\.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: [^\r]+\r\n\r\n/,
    );
  });
});

function rawUpgrade(emulator: AriEmulator, path: string): Promise<string> {
  const { port } = new URL(emulator.url);
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.startsWith('HTTP/1.1 101') && received.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.connect(Number(port), '127.0.0.1', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: nhgjH7L93ZgPra7+w8RSSw==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
  });
}
