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
 * s06 and s07 were driven by AMI actions (a Redirect pulling a channel out of Stasis, a
 * BlindTransfer by the agent's channel): things done to a call from outside Switchboard,
 * as another system or the agent's own phone would. Switchboard never uses AMI and the kit
 * turns it off, so this file alone turns it on (test-only manager.conf: loopback, a free
 * port, a generated secret, call actions only) and sends the same actions. Channels
 * Asterisk names itself (a blind transfer's Local channel, `<epoch>.<seq>`) are matched to
 * the capture's by their order of appearance.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AmiSession, field, testManagerConf } from './support/ami.js';
import { ARI_PASSWORD, startPbxHarness, type PbxHarness } from './support/harness.js';
import { freeTcpPort, waitUntil } from './support/processes.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CAPTURES = resolve(HERE, '..', 'fixtures', 'asterisk', 'ari-events');

const SCENARIOS = [
  's01-inbound-into-stasis-caller-hangs-up',
  's02-inbound-into-stasis-app-hangs-up',
  's03-bridge-customer-and-agent-agent-hangs-up',
  's04-dtmf-received-in-stasis',
  's05-continue-to-dialplan-and-ari-redirect',
  's06-ami-redirect-of-stasis-channel',
  's07-blind-transfer-from-stasis-bridge',
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
  response?: { status: number; body?: unknown };
  /** An AMI action (s06, s07) and the replies it got: the login's, then the action's. */
  ami_action?: Record<string, string>;
  ami_replies?: string[];
}

interface AriEventJson {
  type: string;
  channel?: { id: string; name?: string };
  peer?: { id: string };
  bridge?: { id: string };
  playback?: { id: string };
  recording?: { name: string };
}

/** Ids Asterisk chose itself: a UUID (playbacks), or a uniqueid `<epoch>.<seq>` (channels). */
const MADE_UP_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+\.\d+)$/;

/** The made-up ids of a session's events, in order of appearance. */
function madeUpIds(events: AriEventJson[]): string[] {
  const ids = new Set<string>();
  for (const event of events) {
    for (const id of [event.channel?.id, event.peer?.id, event.playback?.id]) {
      if (id && MADE_UP_ID.test(id)) ids.add(id);
    }
  }
  return [...ids];
}

/**
 * The capture's AMI actions name channels (`Local/100@cc-test-00000018;2`), whose
 * sequence numbers differ in every run: the id of the channel each name was, from the
 * captured responses (a Local channel's `;2` half is the request's `otherChannelId`).
 */
function capturedNames(actions: Action[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const action of actions) {
    const body = action.response?.body as { id?: string; name?: string } | undefined;
    if (!body?.id || !body.name) continue;
    names.set(body.name, body.id);
    const other = action.request?.query.otherChannelId;
    if (other !== undefined && body.name.endsWith(';1')) names.set(`${body.name.slice(0, -2)};2`, String(other));
  }
  return names;
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

/** One line per owner: its milestones in order; then how many events of each type. */
function outline(events: AriEventJson[]): string {
  const byOwner = new Map<string, string[]>();
  // Ids Asterisk made up differ from run to run: named by their order of appearance.
  const madeUp = new Map<string, string>();
  for (const event of events) {
    let owner = ownerOf(event);
    const id = owner.split(' ')[1] ?? '';
    if (MADE_UP_ID.test(id)) {
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

/**
 * The events less every ChannelHangupRequest of a channel whose clean-up DELETE raced its
 * Local partner's hang-up (see `isRacedCleanUp`), and of that partner: how many hang-up
 * requests the two halves get depends on which request wins, on both sides (a half hung
 * up by its own DELETE passes one on to the other). Every other event is still compared.
 */
function withoutRacedHangups(events: AriEventJson[], raced: string[]): AriEventJson[] {
  const localBase = (name: string | undefined) => /^(Local\/.+);[12]$/.exec(name ?? '')?.[1];
  const racedBases = new Set(
    events
      .filter((event) => raced.includes(event.channel?.id ?? ''))
      .map((event) => localBase(event.channel?.name))
      .filter((base) => base !== undefined),
  );
  const isRaced = (channel: AriEventJson['channel']) =>
    raced.includes(channel?.id ?? '') || racedBases.has(localBase(channel?.name) ?? '');
  return events.filter((event) => event.type !== 'ChannelHangupRequest' || !isRaced(event.channel));
}

/** The captured session's music on hold was a tone file; this build links Debian's. */
const MUSIC_ON_HOLD = '[general]\n[default]\nmode=files\ndirectory=moh\n';

describe.skipIf(inject('pbxSkipReason'))('the captured ARI event scenarios, replayed on the real Asterisk', () => {
  let pbx: PbxHarness;
  let ami: AmiSession;

  beforeAll(async () => {
    pbx = await startPbxHarness();
    pbx.asterisk.addDialplan(readFileSync(join(HERE, 'fixtures', 'cc-test.conf'), 'utf8'));
    pbx.asterisk.addConfig('musiconhold.conf', MUSIC_ON_HOLD, 'moh reload');
    const amiPort = await freeTcpPort();
    const amiSecret = randomBytes(18).toString('base64url');
    pbx.asterisk.addConfig('manager.conf', testManagerConf(amiPort, amiSecret), 'manager reload');
    let session: AmiSession | undefined;
    await waitUntil(
      async () => (session = await AmiSession.open(amiPort, amiSecret).catch(() => undefined)) !== undefined,
      15_000,
      'AMI (test-only manager.conf) to accept the login',
      200,
    );
    ami = session!;
  });
  afterAll(async () => {
    await ami?.close();
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
  async function replay(scenario: string): Promise<{ sockets: AriEventJson[][]; statuses: string[]; raced: string[] }> {
    const { actions } = JSON.parse(readFileSync(join(CAPTURES, `${scenario}.actions.json`), 'utf8')) as {
      actions: Action[];
    };
    const sockets: AriEventJson[][] = [];
    const all: AriEventJson[] = [];
    const statuses: string[] = [];
    const raced: string[] = [];
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
      await runActions(
        scenario,
        actions,
        all,
        { statuses, raced },
        {
          closeSocket: async () => {
            if (socket) await closeEvents(socket);
            socket = undefined;
          },
          openSocket: open,
        },
      );
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
    return { sockets, statuses, raced };
  }

  async function runActions(
    scenario: string,
    actions: Action[],
    events: AriEventJson[],
    { statuses, raced }: { statuses: string[]; raced: string[] },
    sockets: { closeSocket(): Promise<void>; openSocket(): Promise<void> },
  ): Promise<void> {
    const start = Date.now();
    let isSocketOpen = true;
    /** Playbacks requested while no WebSocket was open (s12). */
    const requestedUnseen: string[] = [];
    const names = capturedNames(actions);
    const capturedMadeUp = madeUpIds(
      scenario === RECONNECT_SCENARIO
        ? [...captured(scenario, `${scenario}.ws1.jsonl`), ...captured(scenario, `${scenario}.ws2.jsonl`)]
        : captured(scenario),
    );
    /** A captured id Asterisk made up → the one it made up in this run, at the same place. */
    const replayedId = (id: string): string => {
      const index = capturedMadeUp.indexOf(id);
      return index < 0 ? id : (madeUpIds(events)[index] ?? id);
    };
    const authorization = `Basic ${Buffer.from(`switchboard:${ARI_PASSWORD}`).toString('base64')}`;
    const untilMoment = async (action: Action) => {
      const wait = start + action.t_ms - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    };
    for (const action of actions) {
      if (action.note && /^websocket #\d+ closed/.test(action.note)) {
        await untilMoment(action);
        await sockets.closeSocket();
        isSocketOpen = false;
      } else if (action.note && /^websocket #\d+ opened/.test(action.note)) {
        // s12 asks for a playback 3 ms before it opens the second socket, and the capture
        // shows it started by then (only its PlaybackFinished reached the new socket): on
        // a busy machine the start can come later, so wait for it as the capture had it.
        for (const id of requestedUnseen.splice(0)) {
          await waitUntil(
            async () => {
              const playback = await pbx.asterisk.ari('GET', `/ari/playbacks/${id}`);
              return playback.status === 404 || (playback.body as { state?: string }).state !== 'queued';
            },
            10_000,
            `playback ${id} to start before the socket opens`,
            10,
          );
        }
        await untilMoment(action);
        await sockets.openSocket();
        isSocketOpen = true;
      }
      if (action.ami_action) {
        await runAmiAction(action, names, events, statuses, untilMoment);
        continue;
      }
      if (!action.request) continue;
      // What the capture's requests waited for: a channel they act on must be in Stasis
      // (a bridge only takes such a channel); otherwise only the moment counts.
      const { method, query } = action.request;
      const path = action.request.path
        .split('/')
        .map((segment) => replayedId(segment))
        .join('/');
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
      if (!isSocketOpen && /\/play$/.test(path) && response.status === 201) {
        requestedUnseen.push((JSON.parse(body) as { id: string }).id);
      }
      if (response.status === action.response?.status) continue;
      if (await isRacedCleanUp(method, path, response.status, action.response?.status)) {
        // Named both as captured and as in this run (an id Asterisk made up differs).
        raced.push(action.request.path.split('/').at(-1)!, path.split('/').at(-1)!);
      } else statuses.push(`${method} ${path}: ${response.status} ${body} (captured: ${action.response?.status})`);
    }

    /**
     * The clean-up hangs up both halves of a Local channel a millisecond apart: hanging up
     * one takes the other down too, and which request wins is a race, either way round
     * (s07's capture got 204 for the caller and 404 for the customer; a run can get 404
     * for a half the capture found alive, or 204 for one the capture found gone). Either
     * way the channel ends destroyed; only the number of hang-up requests it gets differs
     * (see `withoutRacedHangups`).
     */
    async function isRacedCleanUp(method: string, path: string, status: number, wanted?: number): Promise<boolean> {
      const id = /^\/ari\/channels\/([^/]+)$/.exec(path)?.[1];
      if (method !== 'DELETE' || !id) return false;
      if (!(status === 404 && wanted === 204) && !(status === 204 && wanted === 404)) return false;
      return waitUntil(
        () => events.some((event) => event.type === 'ChannelDestroyed' && event.channel?.id === id),
        5_000,
        `${id} to be destroyed`,
        10,
      ).then(
        () => true,
        () => false,
      );
    }
  }

  /**
   * An AMI action of the capture, on the channel that has the captured name's place now,
   * once that channel is where the action needs it (in Stasis; in the bridge for a
   * transfer). Its response must say what the captured one said.
   */
  async function runAmiAction(
    action: Action,
    names: Map<string, string>,
    events: AriEventJson[],
    statuses: string[],
    untilMoment: (action: Action) => Promise<void>,
  ): Promise<void> {
    const { Channel: capturedName, ...rest } = action.ami_action!;
    const id = capturedName ? names.get(capturedName) : undefined;
    if (capturedName && !id) throw new Error(`the capture names no channel ${capturedName}`);
    if (id) {
      const milestone = rest.Action === 'BlindTransfer' ? 'ChannelEnteredBridge' : 'StasisStart';
      await waitUntil(
        () => events.some((event) => event.type === milestone && event.channel?.id === id),
        10_000,
        `${id}: ${milestone} before the AMI ${rest.Action}`,
        10,
      );
    }
    await untilMoment(action);
    const channel = id ? await pbx.asterisk.ari('GET', `/ari/channels/${id}`) : undefined;
    if (channel && channel.status !== 200) throw new Error(`no channel ${id} for the AMI ${rest.Action}`);
    const response = await ami.send({
      Action: rest.Action!,
      ...(channel ? { Channel: (channel.body as { name: string }).name } : {}),
      ...Object.fromEntries(Object.entries(rest).filter(([key]) => key !== 'Action')),
    });
    const capturedReply = action.ami_replies?.at(-1) ?? '';
    const expected = {
      response: /^Response: (.*)$/m.exec(capturedReply)?.[1],
      message: /^Message: (.*)$/m.exec(capturedReply)?.[1],
    };
    const got = { response: field(response, 'Response'), message: field(response, 'Message') };
    if (got.response !== expected.response || got.message !== expected.message) {
      statuses.push(`AMI ${rest.Action}: ${JSON.stringify(got)} (captured: ${JSON.stringify(expected)})`);
    }
  }

  it.each(SCENARIOS)('%s: the same events, and the same milestones in order for each channel', async (scenario) => {
    const { sockets, statuses, raced } = await replay(scenario);
    // Every request answered as it was when captured.
    expect(statuses).toEqual([]);
    expect(sockets).toHaveLength(1);
    expect(outline(withoutRacedHangups(sockets[0]!, raced))).toBe(
      outline(withoutRacedHangups(captured(scenario), raced)),
    );
  });

  it(`${RECONNECT_SCENARIO}: each WebSocket gets the events it got when captured`, async () => {
    const { sockets, statuses } = await replay(RECONNECT_SCENARIO);
    expect(statuses).toEqual([]);
    expect(sockets).toHaveLength(2);
    expect(outline(sockets[0]!)).toBe(outline(captured(RECONNECT_SCENARIO, `${RECONNECT_SCENARIO}.ws1.jsonl`)));
    expect(outline(sockets[1]!)).toBe(outline(captured(RECONNECT_SCENARIO, `${RECONNECT_SCENARIO}.ws2.jsonl`)));
  });
});
