/**
 * Channel routes of the ARI emulator (originate, hangup, answer, variables, play, record…),
 * answering as Asterisk 22.10.1 did in test/fixtures/asterisk/ari-rest (cited by number).
 */
import type { AriChannel, AriLiveRecording, AriPlayback } from '../../src/integrations/asterisk-ari/index.js';
import {
  ASTERISK_ID,
  KNOWN_TECHNOLOGIES,
  asteriskTimestamp,
  buildChannel,
  parseCallerId,
  send,
  sendError,
  sendNoContent,
  sendOk,
  type AriEmulatorState,
  type AriRouteEffects,
  type Context,
  type Handler,
} from './ari-emulator.http.js';

function createChannels(context: Context, options: { isDialing: boolean }): AriChannel | undefined {
  const { res, query, state } = context;
  const endpoint = query.get('endpoint');
  if (!endpoint) return void sendError(res, 400, 'Endpoint must be specified');
  if (options.isDialing && !query.get('app') && !query.get('extension')) {
    return void sendError(res, 400, 'Application or extension must be specified');
  }
  if (!endpoint.includes('/')) return void sendError(res, 400, 'Invalid endpoint specified');
  let variables: Record<string, string> = {};
  if (context.body.length > 0) {
    try {
      variables = (JSON.parse(context.body) as { variables?: Record<string, string> }).variables ?? {};
    } catch {
      return void sendError(res, 400, 'Error parsing request body');
    }
  }
  const [technology = '', resource = ''] = endpoint.split('/');
  if (!KNOWN_TECHNOLOGIES.has(technology))
    return void send(res, 500, 'Internal Server Error', { error: 'Allocation failed' });
  const id = query.get('channelId') ?? `${Math.floor(Date.now() / 1000)}.${state.nextSequence()}`;
  if (state.channels.has(id)) return void sendError(res, 409, 'Channel with given unique ID already exists');
  const [exten = 's', dialplanContext = 'default'] = resource.split('@');
  const caller = parseCallerId(query.get('callerId'));
  const sequence = state.nextSequence().toString(16).padStart(8, '0');
  const isLocal = technology === 'Local';
  // Dialed channels show `AppDial2 (Outgoing Line)` (023); created, undialed ones no app yet (100).
  const app = options.isDialing
    ? { app_name: 'AppDial2', app_data: '(Outgoing Line)' }
    : { app_name: '', app_data: '' };
  const channel = buildChannel(state, {
    id,
    name: isLocal ? `${endpoint}-${sequence};1` : `${endpoint}-${sequence}`,
    caller,
    dialplan: isLocal
      ? { context: dialplanContext, exten, priority: 1, ...app }
      : { context: 'default', exten: 's', priority: 1, ...app },
  });
  state.channels.set(id, channel);
  state.variables.set(id, new Map(Object.entries(variables)));
  if (isLocal) {
    const peerId = query.get('otherChannelId') ?? `${id};2`;
    const peer = buildChannel(state, {
      id: peerId,
      name: `${endpoint}-${sequence};2`,
      state: 'Ring',
      caller,
      dialplan: { context: dialplanContext, exten, priority: 1, app_name: '', app_data: '' },
    });
    state.channels.set(peerId, peer);
  }
  sendOk(res, channel);
  return channel;
}

export function withChannel(handler: (context: Context, channel: AriChannel) => void): Handler {
  return (context) => {
    const channel = context.state.channels.get(context.params[0] ?? '');
    if (!channel) return sendError(context.res, 404, 'Channel not found');
    handler(context, channel);
  };
}

/** Answer, play, hold… on a channel outside Stasis: 409 (034, 035). */
export function inStasis(handler: (context: Context, channel: AriChannel) => void): Handler {
  return withChannel((context, channel) => {
    if (!context.state.stasisChannelIds.has(channel.id)) {
      return sendError(context.res, 409, 'Channel not in Stasis application');
    }
    handler(context, channel);
  });
}

export const HANGUP_CAUSES: Record<string, [number, string]> = {
  normal: [16, 'Normal Clearing'],
  busy: [17, 'User busy'],
  congestion: [34, 'Circuit/channel congestion'],
  no_answer: [19, 'No user responding'],
  timeout: [19, 'No user responding'],
  rejected: [21, 'Call Rejected'],
  unallocated: [1, 'Unallocated (unassigned) number'],
  normal_unspecified: [31, 'Normal, unspecified'],
  number_incomplete: [28, 'Invalid number format (incomplete number)'],
  codec_mismatch: [58, 'Bearer capability not available'],
  interworking: [127, 'Interworking, unspecified'],
  failure: [38, 'Network out of order'],
  answered_elsewhere: [26, 'Answered elsewhere'],
};

export function hangup(context: Context, channel: AriChannel): void {
  const reason = context.query.get('reason');
  const code = context.query.get('reason_code');
  if (reason !== null && HANGUP_CAUSES[reason] === undefined) {
    return sendError(context.res, 400, 'Invalid reason for hangup reason provided', 'Invalid Reason');
  }
  sendNoContent(context.res);
  const [cause, causeText] =
    code !== null ? [Number(code), 'Unknown'] : (HANGUP_CAUSES[reason ?? 'normal'] ?? [16, '']);
  destroyChannel(context.state, context.effects, channel, cause, causeText);
}

/** The tail of s02: soft hangup request (cause 32, a flag), StasisEnd, ChannelDestroyed. */
export function destroyChannel(
  state: AriEmulatorState,
  effects: AriRouteEffects,
  channel: AriChannel,
  cause: number,
  causeText: string,
): void {
  const timestamp = asteriskTimestamp();
  const tail = { asterisk_id: ASTERISK_ID };
  effects.emit({ cause: 32, soft: true, type: 'ChannelHangupRequest', timestamp, channel, ...tail });
  if (state.stasisChannelIds.delete(channel.id)) effects.emit({ type: 'StasisEnd', timestamp, channel, ...tail });
  for (const bridge of state.bridges.values()) bridge.channels = bridge.channels.filter((id) => id !== channel.id);
  state.channels.delete(channel.id);
  state.variables.delete(channel.id);
  state.snoops.delete(channel.id);
  effects.emit({ type: 'ChannelDestroyed', timestamp, cause, cause_txt: causeText, channel, ...tail });
  // A Snoop channel hangs up once the channel it spies on is gone (its audiohook detaches).
  for (const [snoopId, snoop] of state.snoops) {
    const spying = state.channels.get(snoopId);
    if (snoop.spiedChannelId === channel.id && spying) destroyChannel(state, effects, spying, 16, 'Normal Clearing');
  }
}

export function answer(context: Context, channel: AriChannel): void {
  sendNoContent(context.res);
  if (channel.state === 'Up') return;
  channel.state = 'Up';
  const event = { type: 'ChannelStateChange', timestamp: asteriskTimestamp(), channel, asterisk_id: ASTERISK_ID };
  context.effects.emit(event);
}

export function play(context: Context, target: string): void {
  const media = context.query.get('media');
  if (!media) return sendError(context.res, 500, 'Failed to queue media for playback');
  const id = context.query.get('playbackId') ?? `${Date.now()}-${context.state.nextSequence()}`;
  const [first = '', next] = media.split(',');
  const playback: AriPlayback = {
    id,
    media_uri: first,
    ...(next ? { next_media_uri: next } : {}),
    target_uri: target,
    language: context.query.get('lang') ?? 'en',
    state: 'queued',
  };
  context.state.playbacks.set(id, playback);
  sendOk(context.res, playback, 201, [['Location', `/ari/playbacks/${id}`]]);
  const started = { ...playback, state: 'playing' as const };
  context.state.playbacks.set(id, started);
  const event = {
    type: 'PlaybackStarted',
    timestamp: asteriskTimestamp(),
    playback: started,
    asterisk_id: ASTERISK_ID,
  };
  context.effects.emit(event);
}

export const RECORD_FORMATS = new Set(['wav', 'gsm', 'ulaw', 'alaw', 'sln', 'sln16', 'g722', 'wav16']);

export function record(context: Context, target: string): void {
  const name = context.query.get('name') ?? '';
  const format = context.query.get('format') ?? '';
  if (!RECORD_FORMATS.has(format)) {
    return sendError(context.res, 422, 'specified format is unknown on this system');
  }
  const exists = context.state.storedRecordings.has(name) || context.state.liveRecordings.has(name);
  if (exists && (context.query.get('ifExists') ?? 'fail') === 'fail') {
    return sendError(context.res, 409, `Recording '${name}' already exists and can not be overwritten`);
  }
  const recording: AriLiveRecording = { name, format, state: 'queued', target_uri: target };
  context.state.liveRecordings.set(name, recording);
  sendOk(context.res, recording, 201, [['Location', `/ari/recordings/live/${name}`]]);
  const started = { ...recording, state: 'recording' as const };
  context.state.liveRecordings.set(name, started);
  context.effects.emit({
    type: 'RecordingStarted',
    timestamp: asteriskTimestamp(),
    recording: started,
    asterisk_id: ASTERISK_ID,
  });
}

export function variable(context: Context, channel: AriChannel): void {
  const name = context.query.get('variable');
  if (!name) return sendError(context.res, 400, 'Variable name is required');
  const variables = context.state.variables.get(channel.id) ?? new Map<string, string>();
  context.state.variables.set(channel.id, variables);
  const value = name === 'CHANNEL(state)' ? channel.state : variables.get(name);
  if (value === undefined) return sendError(context.res, 404, 'Provided variable was not found', 'Variable Not Found');
  sendOk(context.res, { value });
}

export function setVariable(context: Context, channel: AriChannel): void {
  const name = context.query.get('variable');
  if (!name) return sendError(context.res, 400, 'Variable name is required');
  const variables = context.state.variables.get(channel.id) ?? new Map<string, string>();
  variables.set(name, context.query.get('value') ?? '');
  context.state.variables.set(channel.id, variables);
  sendNoContent(context.res);
}

export function redirect(context: Context, channel: AriChannel): void {
  const endpoint = context.query.get('endpoint');
  if (!endpoint) return sendError(context.res, 400, "Required parameter 'endpoint' not provided.", 'Not Found');
  if (!endpoint.includes('/')) {
    return sendError(context.res, 422, `Endpoint parameter '${endpoint}' does not contain tech/resource`);
  }
  const technology = endpoint.split('/')[0] ?? '';
  const channelTechnology = channel.name.split('/')[0] ?? '';
  if (technology !== channelTechnology) {
    const message = `Endpoint technology '${technology}' does not match channel technology '${channelTechnology}'`;
    return sendError(context.res, 422, message);
  }
  sendNoContent(context.res);
}

export function continueInDialplan(context: Context, channel: AriChannel): void {
  sendNoContent(context.res);
  context.state.stasisChannelIds.delete(channel.id);
  const timestamp = asteriskTimestamp();
  context.effects.emit({ type: 'StasisEnd', timestamp, channel, asterisk_id: ASTERISK_ID });
  const { query } = context;
  channel.dialplan = {
    context: query.get('context') ?? channel.dialplan.context,
    exten: query.get('extension') ?? channel.dialplan.exten,
    priority: Number(query.get('priority') ?? 1),
    app_name: '',
    app_data: '',
  };
}

export const noContentInStasis = inStasis((context) => sendNoContent(context.res));

export function mute(context: Context): void {
  const direction = context.query.get('direction') ?? 'both';
  if (!['in', 'out', 'both'].includes(direction)) return sendError(context.res, 400, 'Invalid direction specified');
  sendNoContent(context.res);
}

export function originate(context: Context): void {
  const channel = createChannels(context, { isDialing: true });
  if (channel) context.effects.onOriginate(channel);
}

/** A created channel belongs to the app at once, before it is dialed (100, 101). */
export function createWithoutDialing(context: Context): void {
  const channel = createChannels(context, { isDialing: false });
  if (channel) context.state.stasisChannelIds.add(channel.id);
}

export function dial({ res }: Context, channel: AriChannel): void {
  if (channel.state !== 'Down') return sendError(res, 409, "Channel is not in the 'Down' state");
  sendNoContent(res);
}

export function sendDtmf({ res, query }: Context): void {
  if (!query.get('dtmf')) return sendError(res, 400, 'DTMF is required');
  sendNoContent(res);
}

export const playOnChannel = (context: Context, channel: AriChannel) => play(context, `channel:${channel.id}`);
export const recordChannel = (context: Context, channel: AriChannel) => record(context, `channel:${channel.id}`);

const SPY_DIRECTIONS = ['none', 'both', 'out', 'in'];

/**
 * 097, 098: a Snoop channel that is in the app at once, with no dialplan step; the events
 * that follow (ChannelCreated, ChannelDialplan, ChannelVarset, StasisStart with the
 * appArgs) are those of events-during-rest-session.jsonl lines 114–117.
 */
export function snoop(context: Context, channel: AriChannel): void {
  const { res, query, state } = context;
  const spyDirection = query.get('spy') ?? 'none';
  const whisperDirection = query.get('whisper') ?? 'none';
  if (!SPY_DIRECTIONS.includes(spyDirection)) {
    return sendError(res, 400, 'Invalid direction specified for spy');
  }
  if (!SPY_DIRECTIONS.includes(whisperDirection)) {
    return sendError(res, 400, 'Invalid direction specified for whisper');
  }
  const id = query.get('snoopId') ?? `${Math.floor(Date.now() / 1000)}.${state.nextSequence()}`;
  const sequence = state.nextSequence().toString(16).padStart(8, '0');
  const spy = buildChannel(state, {
    id,
    name: `Snoop/${channel.id}-${sequence}`,
    state: 'Up',
    dialplan: { context: 'default', exten: 's', priority: 1, app_name: '', app_data: '' },
  });
  state.channels.set(id, spy);
  state.stasisChannelIds.add(id);
  state.snoops.set(id, { spiedChannelId: channel.id, spy: spyDirection, whisper: whisperDirection });
  sendOk(res, spy);
  const app = query.get('app') ?? '';
  const appArgs = query.get('appArgs') ?? '';
  const timestamp = asteriskTimestamp();
  const tail = { asterisk_id: ASTERISK_ID };
  const inStasis = { ...spy, dialplan: { ...spy.dialplan, app_name: 'Stasis', app_data: [app, appArgs].join(',') } };
  state.channels.set(id, inStasis);
  context.effects.emit({ type: 'ChannelCreated', timestamp, channel: spy, ...tail });
  context.effects.emit({
    type: 'ChannelDialplan',
    timestamp,
    dialplan_app: 'Stasis',
    dialplan_app_data: inStasis.dialplan.app_data,
    channel: inStasis,
    ...tail,
  });
  context.effects.emit({
    variable: 'STASISSTATUS',
    value: '',
    type: 'ChannelVarset',
    timestamp,
    channel: inStasis,
    ...tail,
  });
  const args = appArgs === '' ? [] : appArgs.split(',');
  context.effects.emit({ type: 'StasisStart', timestamp, args, channel: inStasis, ...tail });
}

/** 103–110: the checks in the order the captures show, then an AudioSocket or UnicastRTP channel. */
export function externalMedia(context: Context): void {
  const { res, query, state } = context;
  const host = query.get('external_host');
  const encapsulation = query.get('encapsulation') ?? 'rtp';
  if (!query.get('format')) return sendError(res, 400, 'format cannot be empty');
  if (!host) return sendError(res, 400, 'external_host is required for all but websocket server connections');
  if (!/^[^:]+:\d+$/.test(host)) {
    return sendError(res, 400, 'external_host must be <host>:<port> for all transports other than websocket');
  }
  if (encapsulation === 'audiosocket' && (query.get('transport') ?? 'udp') !== 'tcp') {
    return sendError(res, 400, "transport must be 'tcp' for audiosocket encapsulation");
  }
  const data = query.get('data');
  if (encapsulation === 'audiosocket' && !data) return sendError(res, 400, 'data can not be empty');
  const id = query.get('channelId') ?? `${Math.floor(Date.now() / 1000)}.${state.nextSequence()}`;
  const isAudiosocket = encapsulation === 'audiosocket';
  const channel = buildChannel(state, {
    id,
    name: isAudiosocket ? `AudioSocket/${host}-${data}` : `UnicastRTP/${host}-0x7f8c9801be50`,
    dialplan: { context: 'default', exten: 's', priority: 1, app_name: 'AppDial2', app_data: '(Outgoing Line)' },
    channelvars: isAudiosocket
      ? { AUDIOSOCKET_SERVICE: host, AUDIOSOCKET_UUID: data ?? '' }
      : { UNICASTRTP_LOCAL_PORT: '20066', UNICASTRTP_LOCAL_ADDRESS: '127.0.0.1' },
  });
  state.channels.set(id, channel);
  state.stasisChannelIds.add(id);
  sendOk(res, channel);
}
