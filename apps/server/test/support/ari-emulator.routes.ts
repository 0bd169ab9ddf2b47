/**
 * The REST routes of the ARI emulator: bridges, playbacks, recordings and the route table,
 * answering as Asterisk 22.10.1 did (test/fixtures/asterisk/ari-rest/NNN-*.json, cited by
 * number). test/protocol/ari-emulator-fidelity.test.ts replays the captures against it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AriBridge, AriPlayback } from '../../src/integrations/asterisk-ari/index.js';
import {
  answer,
  continueInDialplan,
  createWithoutDialing,
  dial,
  externalMedia,
  hangup,
  inStasis,
  mute,
  noContentInStasis,
  originate,
  play,
  playOnChannel,
  record,
  recordChannel,
  redirect,
  sendDtmf,
  setVariable,
  snoop,
  variable,
  withChannel,
} from './ari-emulator.channels.js';
import {
  ASTERISK_ID,
  asteriskTimestamp,
  send,
  sendError,
  sendNoContent,
  sendOk,
  type AriEmulatorState,
  type AriRouteEffects,
  type Context,
  type Handler,
} from './ari-emulator.http.js';

function withBridge(handler: (context: Context, bridge: AriBridge) => void, notFoundText = 'Not found'): Handler {
  return (context) => {
    const bridge = context.state.bridges.get(context.params[0] ?? '');
    if (!bridge) return sendError(context.res, 404, 'Bridge not found', notFoundText);
    handler(context, bridge);
  };
}

function addChannels(context: Context, bridge: AriBridge): void {
  const list = context.query.get('channel');
  if (!list) return sendError(context.res, 400, 'Missing parameter channel');
  const ids = list.split(',');
  if (ids.some((id) => !context.state.channels.has(id))) return sendError(context.res, 400, 'Channel not found');
  if (ids.some((id) => !context.state.stasisChannelIds.has(id))) {
    return sendError(context.res, 422, 'Channel not in Stasis application');
  }
  sendNoContent(context.res);
  for (const id of ids) {
    if (!bridge.channels.includes(id)) bridge.channels = [...bridge.channels, id];
    const channel = context.state.channels.get(id);
    const event = {
      type: 'ChannelEnteredBridge',
      timestamp: asteriskTimestamp(),
      bridge,
      channel,
      asterisk_id: ASTERISK_ID,
    };
    context.effects.emit(event);
  }
}

function removeChannel(context: Context, bridge: AriBridge): void {
  const id = context.query.get('channel');
  if (!id) return sendError(context.res, 400, 'Missing parameter channel');
  const channel = context.state.channels.get(id);
  if (!channel) return sendError(context.res, 400, 'Channel not found');
  if (!bridge.channels.includes(id)) return sendError(context.res, 422, 'Channel not in this bridge');
  bridge.channels = bridge.channels.filter((member) => member !== id);
  sendNoContent(context.res);
  context.effects.emit({
    type: 'ChannelLeftBridge',
    timestamp: asteriskTimestamp(),
    bridge,
    channel,
    asterisk_id: ASTERISK_ID,
  });
}

/** Music on hold into a bridge: an announcer channel Asterisk keeps out of the channel list. */
function startBridgeMoh({ res, state }: Context, bridge: AriBridge): void {
  state.mohBridgeIds.add(bridge.id);
  sendNoContent(res);
}

function stopBridgeMoh({ res, state }: Context, bridge: AriBridge): void {
  state.mohBridgeIds.delete(bridge.id);
  sendNoContent(res);
}

function createBridge(context: Context): void {
  const { res, query, state } = context;
  const type = query.get('type') ?? 'mixing';
  if (
    !type
      .split(',')
      .every((part) => ['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single'].includes(part))
  ) {
    return sendError(res, 500, "Unable to create bridge. Possible duplicate bridge id '(null)'", 'Internal Error');
  }
  const id = query.get('bridgeId') ?? `${Date.now()}-${state.nextSequence()}`;
  if (state.bridges.has(id)) return sendError(res, 409, `Bridge with id '${id}' already exists`);
  const bridge: AriBridge = {
    id,
    technology: 'simple_bridge',
    bridge_type: type.startsWith('holding') ? 'holding' : 'mixing',
    bridge_class: 'stasis',
    creator: 'Stasis',
    name: query.get('name') ?? '',
    channels: [],
    creationtime: asteriskTimestamp(),
    video_mode: 'talker',
  };
  state.bridges.set(id, bridge);
  sendOk(res, bridge);
}

const withPlayback =
  (handler: (context: Context, playback: AriPlayback) => void): Handler =>
  (context) => {
    const playback = context.state.playbacks.get(context.params[0] ?? '');
    if (!playback) return sendError(context.res, 404, 'Playback not found');
    handler(context, playback);
  };

function stopPlayback(context: Context, playback: AriPlayback): void {
  // A `digits:` item cannot be stopped and keeps playing (903).
  if (playback.media_uri.startsWith('digits:')) return sendError(context.res, 500, 'Could not stop playback');
  context.state.playbacks.delete(playback.id);
  sendNoContent(context.res);
  const finished = { ...playback, state: 'done' };
  context.effects.emit({
    type: 'PlaybackFinished',
    timestamp: asteriskTimestamp(),
    playback: finished,
    asterisk_id: ASTERISK_ID,
  });
}

function stopRecording(context: Context): void {
  const recording = context.state.liveRecordings.get(context.params[0] ?? '');
  if (!recording) return sendError(context.res, 404, 'Recording not found');
  context.state.liveRecordings.delete(recording.name);
  context.state.storedRecordings.set(recording.name, { name: recording.name, format: recording.format });
  sendNoContent(context.res);
  const finished = { ...recording, state: 'done', duration: 0 };
  context.effects.emit({
    type: 'RecordingFinished',
    timestamp: asteriskTimestamp(),
    recording: finished,
    asterisk_id: ASTERISK_ID,
  });
}

function withStored(handler: (context: Context, name: string) => void): Handler {
  return (context) => {
    const name = context.params[0] ?? '';
    if (!context.state.storedRecordings.has(name)) return sendError(context.res, 404, 'Recording not found');
    handler(context, name);
  };
}

function ping({ res }: Context): void {
  sendOk(res, { ping: 'pong', timestamp: asteriskTimestamp(), asterisk_id: ASTERISK_ID });
}

/** 404 while no WebSocket holds the app (s12); with subscribeAll, the `__AST_*_ALL_TOPIC` ids (007). */
function getApplication({ res, params, state }: Context): void {
  const name = params[0] ?? '';
  if (!state.activeApps().includes(name)) return sendError(res, 404, 'Application not found');
  sendOk(res, {
    name,
    channel_ids: ['__AST_CHANNEL_ALL_TOPIC'],
    bridge_ids: ['__AST_BRIDGE_ALL_TOPIC'],
    endpoint_ids: ['__AST_ENDPOINT_ALL_TOPIC'],
    device_names: ['__AST_DEVICE_STATE_ALL_TOPIC'],
    events_allowed: [],
    events_disallowed: [],
  });
}

function destroyBridge({ res, state, effects }: Context, bridge: AriBridge): void {
  state.bridges.delete(bridge.id);
  state.mohBridgeIds.delete(bridge.id);
  sendNoContent(res);
  effects.emit({ type: 'BridgeDestroyed', timestamp: asteriskTimestamp(), bridge, asterisk_id: ASTERISK_ID });
}

function recordBridge(context: Context, bridge: AriBridge): void {
  // 900: without `format`, Asterisk 22.10.1 dereferences NULL and dies mid-request.
  if (!context.query.get('format')) return context.effects.crash('POST /bridges/{id}/record without format');
  record(context, `bridge:${bridge.id}`);
}

function controlPlayback({ res, query }: Context): void {
  const operation = query.get('operation') ?? '';
  if (['restart', 'pause', 'unpause', 'reverse', 'forward'].includes(operation)) return sendNoContent(res);
  sendError(res, 400, `Invalid operation ${operation}`);
}

function deleteStored({ res, state }: Context, name: string): void {
  state.storedRecordings.delete(name);
  sendNoContent(res);
}

function copyStored({ res, state, query }: Context, name: string): void {
  const destination = query.get('destinationRecordingName') ?? '';
  if (state.storedRecordings.has(destination)) {
    return sendError(res, 409, 'A recording with the same name already exists on the system');
  }
  const copy = { name: destination, format: state.storedRecordings.get(name)?.format ?? 'wav' };
  state.storedRecordings.set(destination, copy);
  sendOk(res, copy);
}

function getLiveRecording({ res, state, params }: Context): void {
  const recording = state.liveRecordings.get(params[0] ?? '');
  if (!recording) return sendError(res, 404, 'Recording not found');
  sendOk(res, recording);
}

const playOnBridge = (context: Context, bridge: AriBridge) => play(context, `bridge:${bridge.id}`);

const ROUTES: [string, string, Handler][] = [
  ['GET', 'asterisk/ping', ping],
  ['GET', 'asterisk/info', ({ res }) => sendOk(res, { system: { version: '22.10.1', entity_id: ASTERISK_ID } })],
  ['GET', 'applications/:app', getApplication],
  ['GET', 'channels', ({ res, state }) => sendOk(res, [...state.channels.values()].reverse())],
  ['POST', 'channels', originate],
  ['POST', 'channels/create', createWithoutDialing],
  ['POST', 'channels/externalMedia', externalMedia],
  ['GET', 'channels/:id', withChannel(({ res }, channel) => sendOk(res, channel))],
  ['DELETE', 'channels/:id', withChannel(hangup)],
  ['POST', 'channels/:id/answer', inStasis(answer)],
  ['POST', 'channels/:id/ring', noContentInStasis],
  ['DELETE', 'channels/:id/ring', noContentInStasis],
  ['POST', 'channels/:id/hold', noContentInStasis],
  ['DELETE', 'channels/:id/hold', noContentInStasis],
  ['POST', 'channels/:id/moh', noContentInStasis],
  ['DELETE', 'channels/:id/moh', noContentInStasis],
  ['POST', 'channels/:id/mute', inStasis(mute)],
  ['DELETE', 'channels/:id/mute', inStasis(mute)],
  ['POST', 'channels/:id/silence', noContentInStasis],
  ['DELETE', 'channels/:id/silence', noContentInStasis],
  ['POST', 'channels/:id/continue', inStasis(continueInDialplan)],
  ['POST', 'channels/:id/redirect', withChannel(redirect)],
  ['POST', 'channels/:id/dtmf', inStasis(sendDtmf)],
  ['GET', 'channels/:id/variable', withChannel(variable)],
  ['POST', 'channels/:id/variable', withChannel(setVariable)],
  ['POST', 'channels/:id/play', inStasis(playOnChannel)],
  ['POST', 'channels/:id/record', inStasis(recordChannel)],
  ['POST', 'channels/:id/dial', withChannel(dial)],
  ['POST', 'channels/:id/snoop', withChannel(snoop)],
  ['GET', 'bridges', ({ res, state }) => sendOk(res, [...state.bridges.values()])],
  ['POST', 'bridges', createBridge],
  ['GET', 'bridges/:id', withBridge(({ res }, bridge) => sendOk(res, bridge), 'Not Found')],
  ['DELETE', 'bridges/:id', withBridge(destroyBridge)],
  ['POST', 'bridges/:id/addChannel', withBridge(addChannels)],
  ['POST', 'bridges/:id/removeChannel', withBridge(removeChannel)],
  ['POST', 'bridges/:id/play', withBridge(playOnBridge)],
  ['POST', 'bridges/:id/moh', withBridge(startBridgeMoh)],
  ['DELETE', 'bridges/:id/moh', withBridge(stopBridgeMoh)],
  ['POST', 'bridges/:id/record', withBridge(recordBridge)],
  ['GET', 'playbacks/:id', withPlayback(({ res }, playback) => sendOk(res, playback))],
  ['DELETE', 'playbacks/:id', withPlayback(stopPlayback)],
  ['POST', 'playbacks/:id/control', withPlayback(controlPlayback)],
  ['GET', 'recordings/stored', ({ res, state }) => sendOk(res, [...state.storedRecordings.values()])],
  [
    'GET',
    'recordings/stored/:name',
    withStored(({ res, state }, name) => sendOk(res, state.storedRecordings.get(name))),
  ],
  ['DELETE', 'recordings/stored/:name', withStored(deleteStored)],
  ['POST', 'recordings/stored/:name/copy', withStored(copyStored)],
  ['GET', 'recordings/live/:name', getLiveRecording],
  ['POST', 'recordings/live/:name/stop', stopRecording],
];

function matchRoute(pattern: string, segments: string[]): string[] | undefined {
  const parts = pattern.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: string[] = [];
  for (const [index, part] of parts.entries()) {
    const segment = segments[index] ?? '';
    if (part.startsWith(':')) params.push(segment);
    else if (part !== segment) return undefined;
  }
  return params;
}

/** Routes one authenticated request under `/ari/`. */
export function routeAriRequest(
  req: IncomingMessage,
  res: ServerResponse,
  input: { segments: string[]; query: URLSearchParams; body: string },
  state: AriEmulatorState,
  effects: AriRouteEffects,
): void {
  const allowed: string[] = [];
  for (const [method, pattern, handler] of ROUTES) {
    const params = matchRoute(pattern, input.segments);
    if (params === undefined) continue;
    if (method === req.method) return handler({ res, params, query: input.query, body: input.body, state, effects });
    allowed.push(method);
  }
  if (allowed.length === 0) return sendError(res, 404, 'Resource not found');
  send(res, 405, 'Method Not Allowed', { message: 'Invalid method' }, [['Allow', ['OPTIONS', ...allowed].join(',')]]);
}
