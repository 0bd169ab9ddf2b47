/**
 * Keeps the ARI emulator true: the recorded event scenarios (test/fixtures/asterisk/ari-events,
 * which the emulator replays in the fast suite) are played again against the real
 * Asterisk — the same REST requests at the same moments, on a WebSocket opened the same
 * way — and what Asterisk sends now must match the capture: the same number of events of
 * each type, and for each channel (and bridge, and playback) its milestones in the same
 * order (created, dialled, Stasis, bridge, DTMF, playback, destroyed). What is not compared
 * is seen to vary from run to run on the same build, because Asterisk raises it from
 * different threads: how different channels' events interleave, where a channel's
 * caller-id, dialplan, variable, state and hang-up-request events fall among its
 * milestones, and device states (counted only). A difference fails with a line-by-line diff: either Asterisk changed
 * (re-capture, and fix the emulator) or the captures were wrong.
 *
 * s12 closes the application's only WebSocket while a channel is in Stasis, probes REST,
 * and opens a second one: each socket's events are compared with that socket's capture.
 * A playback whose id Asterisk chose (a UUID) is named by its order of appearance.
 *
 * Not replayed: s06 and s07 (driven by AMI actions, and the kit turns AMI off).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARI_PASSWORD, startPbxHarness, type PbxHarness } from './support/harness.js';
import { waitUntil } from './support/processes.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CAPTURES = resolve(HERE, '..', 'fixtures', 'asterisk', 'ari-events');

const SCENARIOS = [
  's01-inbound-into-stasis-caller-hangs-up',
  's02-inbound-into-stasis-app-hangs-up',
  's03-bridge-customer-and-agent-agent-hangs-up',
  's04-dtmf-received-in-stasis',
  's05-continue-to-dialplan-and-ari-redirect',
  's08-originate-nonexistent-extension-fails',
  's09-originate-busy-destination',
  's10-originate-no-answer-timeout',
  's11-unanswered-inbound-ring-answer-play',
  's13-bridge-customer-and-agent-without-subscribeAll',
];

interface Action {
  t_ms: number;
  note?: string;
  request?: { method: string; path: string; query: Record<string, string | number> };
  response?: { status: number };
}

interface AriEventJson {
  type: string;
  channel?: { id: string };
  peer?: { id: string };
  bridge?: { id: string };
  playback?: { id: string };
  recording?: { name: string };
}

/** The scenario that closes its WebSocket and opens another: one capture per socket. */
const RECONNECT_SCENARIO = 's12-websocket-disconnect-reconnect';

function captured(scenario: string, file = `${scenario}.jsonl`): AriEventJson[] {
  return readFileSync(join(CAPTURES, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AriEventJson);
}

/** The channel a request needs in Stasis: the one it adds to a bridge or controls. */
function stasisTargetOf(method: string, path: string, query: Record<string, string | number>): string | undefined {
  if (method !== 'POST') return undefined;
  if (/^\/ari\/bridges\/[^/]+\/addChannel$/.test(path)) return String(query.channel);
  return /^\/ari\/channels\/([^/]+)\/(dtmf|ring|answer|play|continue|redirect)$/.exec(path)?.[1];
}

/** Whose event it is: a Dial belongs to the channel dialled, a bridge event to its channel. */
function ownerOf(event: AriEventJson): string {
  if (event.type === 'DeviceStateChanged') return 'device states';
  if (event.type === 'Dial') return `channel ${event.peer?.id ?? '?'}`;
  if (event.channel) return `channel ${event.channel.id}`;
  if (event.bridge) return `bridge ${event.bridge.id}`;
  if (event.playback) return `playback ${event.playback.id}`;
  if (event.recording) return `recording ${event.recording.name}`;
  return 'other';
}

const MILESTONES = new Set([
  'ChannelCreated',
  'Dial',
  'StasisStart',
  'ChannelEnteredBridge',
  'ChannelLeftBridge',
  'ChannelDtmfReceived',
  'PlaybackStarted',
  'PlaybackFinished',
  'StasisEnd',
  'ChannelDestroyed',
  'BridgeCreated',
  'BridgeDestroyed',
]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One line per owner: its milestones in order; then how many events of each type. */
function outline(events: AriEventJson[]): string {
  const byOwner = new Map<string, string[]>();
  // Ids Asterisk made up differ from run to run: named by their order of appearance.
  const madeUp = new Map<string, string>();
  for (const event of events) {
    let owner = ownerOf(event);
    const id = owner.split(' ')[1] ?? '';
    if (UUID.test(id)) {
      if (!madeUp.has(id)) madeUp.set(id, `#${madeUp.size + 1} (an id Asterisk chose)`);
      owner = owner.replace(id, madeUp.get(id)!);
    }
    const types = byOwner.get(owner) ?? [];
    if (MILESTONES.has(event.type)) types.push(event.type);
    byOwner.set(owner, types);
  }
  const lines = [...byOwner.entries()]
    .filter(([owner]) => owner !== 'device states')
    .map(([owner, types]) => `${owner}: ${types.join(' ')}`);
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  const totals = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, n]) => `${type} ${n}`);
  return [...lines.sort(), `totals: ${totals.join(', ')}`].join('\n');
}

/** The captured session's music on hold was a tone file; this build links Debian's. */
const MUSIC_ON_HOLD = '[general]\n[default]\nmode=files\ndirectory=moh\n';

describe.skipIf(inject('pbxSkipReason'))('the captured ARI event scenarios, replayed on the real Asterisk', () => {
  let pbx: PbxHarness;

  beforeAll(async () => {
    pbx = await startPbxHarness();
    pbx.asterisk.addDialplan(readFileSync(join(HERE, 'fixtures', 'cc-test.conf'), 'utf8'));
    pbx.asterisk.addConfig('musiconhold.conf', MUSIC_ON_HOLD, 'moh reload');
  });
  afterAll(async () => {
    await pbx?.close();
  });

  /** The application's events WebSocket, opened as the captures opened it. */
  async function openEvents(scenario: string, onEvent: (event: AriEventJson) => void): Promise<WebSocket> {
    const subscribeAll = scenario.includes('without-subscribeAll') ? '' : '&subscribeAll=true';
    const url = new URL(pbx.asterisk.ariUrl);
    const socket = new WebSocket(
      `ws://${url.host}/ari/events?app=callcenter${subscribeAll}&api_key=switchboard:${ARI_PASSWORD}`,
    );
    socket.on('message', (data: Buffer) => onEvent(JSON.parse(data.toString('utf8')) as AriEventJson));
    await new Promise<void>((resolveOpen, reject) => socket.once('open', resolveOpen).once('error', reject));
    await waitUntil(
      async () => (await pbx.asterisk.ari('GET', '/ari/applications/callcenter')).status === 200,
      5_000,
      'the application to be registered',
    );
    return socket;
  }

  async function closeEvents(socket: WebSocket): Promise<void> {
    socket.close();
    // The next socket registers the application again: only once this one is gone.
    await waitUntil(
      async () => (await pbx.asterisk.ari('GET', '/ari/applications/callcenter')).status === 404,
      5_000,
      'the application to be unregistered',
    );
  }

  /** Replays a scenario: the events each WebSocket received, in the order they were opened. */
  async function replay(scenario: string): Promise<{ sockets: AriEventJson[][]; statuses: string[] }> {
    const { actions } = JSON.parse(readFileSync(join(CAPTURES, `${scenario}.actions.json`), 'utf8')) as {
      actions: Action[];
    };
    const sockets: AriEventJson[][] = [];
    const all: AriEventJson[] = [];
    const statuses: string[] = [];
    let lastEventAt = Date.now();
    let socket: WebSocket | undefined;
    const open = async () => {
      const events: AriEventJson[] = [];
      sockets.push(events);
      socket = await openEvents(scenario, (event) => {
        events.push(event);
        all.push(event);
        lastEventAt = Date.now();
      });
    };
    await open();
    try {
      await runActions(actions, all, statuses, {
        closeSocket: async () => {
          if (socket) await closeEvents(socket);
          socket = undefined;
        },
        openSocket: open,
      });
      // As when captured: until every channel is gone, then a quiet moment.
      await waitUntil(
        async () => (await pbx.asterisk.ari('GET', '/ari/channels')).body.length === 0,
        25_000,
        'no channels',
      );
      await waitUntil(() => Date.now() - lastEventAt > 700, 5_000, 'the events to settle');
    } finally {
      // A failed replay must not leave its calls to the next one.
      const left = (await pbx.asterisk.ari('GET', '/ari/channels')).body as { id: string }[];
      for (const channel of left) await pbx.asterisk.ari('DELETE', `/ari/channels/${channel.id}`);
      if (socket) await closeEvents(socket);
    }
    return { sockets, statuses };
  }

  async function runActions(
    actions: Action[],
    events: AriEventJson[],
    statuses: string[],
    sockets: { closeSocket(): Promise<void>; openSocket(): Promise<void> },
  ): Promise<void> {
    const start = Date.now();
    const authorization = `Basic ${Buffer.from(`switchboard:${ARI_PASSWORD}`).toString('base64')}`;
    const untilMoment = async (action: Action) => {
      const wait = start + action.t_ms - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    };
    for (const action of actions) {
      if (action.note && /^websocket #\d+ closed/.test(action.note)) {
        await untilMoment(action);
        await sockets.closeSocket();
      } else if (action.note && /^websocket #\d+ opened/.test(action.note)) {
        await untilMoment(action);
        await sockets.openSocket();
      }
      if (!action.request) continue;
      // What the capture's requests waited for: a channel they act on must be in Stasis
      // (a bridge only takes such a channel); otherwise only the moment counts.
      const { method, path, query } = action.request;
      const target = stasisTargetOf(method, path, query);
      if (target) {
        await waitUntil(
          () => events.some((event) => event.type === 'StasisStart' && event.channel?.id === target),
          10_000,
          `${target} to enter Stasis before ${method} ${path}`,
          10,
        );
      }
      await untilMoment(action);
      const search = new URLSearchParams(
        Object.entries(query).map(([key, value]): [string, string] => [key, String(value)]),
      );
      const response = await fetch(`${pbx.asterisk.ariUrl}${path}?${search.toString()}`, {
        method,
        headers: { authorization },
      });
      const body = await response.text();
      if (response.status !== action.response?.status) {
        statuses.push(`${method} ${path}: ${response.status} ${body} (captured: ${action.response?.status})`);
      }
    }
  }

  it.each(SCENARIOS)('%s: the same events, and the same milestones in order for each channel', async (scenario) => {
    const { sockets, statuses } = await replay(scenario);
    // Every request answered as it was when captured.
    expect(statuses).toEqual([]);
    expect(sockets).toHaveLength(1);
    expect(outline(sockets[0]!)).toBe(outline(captured(scenario)));
  });

  it(`${RECONNECT_SCENARIO}: each WebSocket gets the events it got when captured`, async () => {
    const { sockets, statuses } = await replay(RECONNECT_SCENARIO);
    expect(statuses).toEqual([]);
    expect(sockets).toHaveLength(2);
    expect(outline(sockets[0]!)).toBe(outline(captured(RECONNECT_SCENARIO, `${RECONNECT_SCENARIO}.ws1.jsonl`)));
    expect(outline(sockets[1]!)).toBe(outline(captured(RECONNECT_SCENARIO, `${RECONNECT_SCENARIO}.ws2.jsonl`)));
  });
});
