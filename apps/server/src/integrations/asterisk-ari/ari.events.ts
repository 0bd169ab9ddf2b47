/**
 * The ARI events Switchboard acts on, with Asterisk's field names as captured from 22.10.1
 * (test/fixtures/asterisk/ari-events). Other event types are reported as `unhandled`.
 */
import type { AriBridge, AriChannel, AriDeviceState, AriLiveRecording, AriPlayback } from './ari.types.js';

interface AriEventBase {
  timestamp: string;
  /** The Asterisk entity id (`02:fc:00:00:00:01`), useful when several servers feed one node. */
  asterisk_id?: string;
  application: string;
}

export interface AriStasisStartEvent extends AriEventBase {
  type: 'StasisStart';
  /** appArgs split on commas; `[]` for a channel that came back after a blind transfer (s07). */
  args: string[];
  channel: AriChannel;
  /** The channel this one replaces, after a blind transfer out of a Stasis bridge (s07). */
  replace_channel?: AriChannel;
}

export interface AriStasisEndEvent extends AriEventBase {
  type: 'StasisEnd';
  channel: AriChannel;
}

export interface AriChannelCreatedEvent extends AriEventBase {
  type: 'ChannelCreated';
  channel: AriChannel;
}

/**
 * The cause to trust (16 normal, 17 busy, 19 no answer…). A failed originate can still say
 * `0 Unknown` (s08, s09): read the Dial event's `dialstatus` for those.
 */
export interface AriChannelDestroyedEvent extends AriEventBase {
  type: 'ChannelDestroyed';
  cause: number;
  cause_txt: string;
  tech_cause?: number;
  channel: AriChannel;
}

export interface AriChannelStateChangeEvent extends AriEventBase {
  type: 'ChannelStateChange';
  channel: AriChannel;
}

/**
 * Arrives several times per channel. With `soft: true` and `cause: 32` it carries the
 * AST_SOFTHANGUP_EXPLICIT flag bit, not a Q.850 cause: never read a hangup cause from it.
 */
export interface AriChannelHangupRequestEvent extends AriEventBase {
  type: 'ChannelHangupRequest';
  cause?: number;
  soft?: boolean;
  tech_cause?: number;
  channel: AriChannel;
}

/** One per digit, at the end of the digit (s04). */
export interface AriChannelDtmfReceivedEvent extends AriEventBase {
  type: 'ChannelDtmfReceived';
  digit: string;
  duration_ms: number;
  channel: AriChannel;
}

/** `channel` is absent for a global variable. */
export interface AriChannelVarsetEvent extends AriEventBase {
  type: 'ChannelVarset';
  variable: string;
  value: string;
  channel?: AriChannel;
}

export interface AriChannelDialplanEvent extends AriEventBase {
  type: 'ChannelDialplan';
  dialplan_app: string;
  dialplan_app_data: string;
  channel: AriChannel;
}

export interface AriChannelCallerIdEvent extends AriEventBase {
  type: 'ChannelCallerId';
  caller_presentation: number;
  caller_presentation_txt: string;
  channel: AriChannel;
}

export interface AriChannelConnectedLineEvent extends AriEventBase {
  type: 'ChannelConnectedLine';
  channel: AriChannel;
}

export interface AriChannelHoldEvent extends AriEventBase {
  type: 'ChannelHold';
  musicclass?: string;
  channel: AriChannel;
}

export interface AriChannelUnholdEvent extends AriEventBase {
  type: 'ChannelUnhold';
  channel: AriChannel;
}

export interface AriChannelEnteredBridgeEvent extends AriEventBase {
  type: 'ChannelEnteredBridge';
  bridge: AriBridge;
  channel?: AriChannel;
}

export interface AriChannelLeftBridgeEvent extends AriEventBase {
  type: 'ChannelLeftBridge';
  bridge: AriBridge;
  channel: AriChannel;
}

/** `UserEvent(name,key: value)` from the dialplan, or `POST /events/user/{name}`. */
export interface AriChannelUsereventEvent extends AriEventBase {
  type: 'ChannelUserevent';
  eventname: string;
  userevent: Record<string, unknown>;
  channel?: AriChannel;
  bridge?: AriBridge;
}

export interface AriBridgeCreatedEvent extends AriEventBase {
  type: 'BridgeCreated';
  bridge: AriBridge;
}

export interface AriBridgeDestroyedEvent extends AriEventBase {
  type: 'BridgeDestroyed';
  bridge: AriBridge;
}

/**
 * A blind transfer out of a Stasis bridge (s07): `channel` transferred `transferee` to
 * `context`/`exten`; `replace_channel` is the new Local channel that took its place.
 */
export interface AriBridgeBlindTransferEvent extends AriEventBase {
  type: 'BridgeBlindTransfer';
  channel: AriChannel;
  exten: string;
  context: string;
  result: string;
  is_external: boolean;
  transferee?: AriChannel;
  replace_channel?: AriChannel;
  bridge?: AriBridge;
}

export interface AriPlaybackStartedEvent extends AriEventBase {
  type: 'PlaybackStarted';
  playback: AriPlayback;
}

export interface AriPlaybackContinuingEvent extends AriEventBase {
  type: 'PlaybackContinuing';
  playback: AriPlayback;
}

/** `playback.state` is `done` or `failed` (a missing sound file). A `bogus:` scheme never finishes (062). */
export interface AriPlaybackFinishedEvent extends AriEventBase {
  type: 'PlaybackFinished';
  playback: AriPlayback;
}

export interface AriRecordingStartedEvent extends AriEventBase {
  type: 'RecordingStarted';
  recording: AriLiveRecording;
}

export interface AriRecordingFinishedEvent extends AriEventBase {
  type: 'RecordingFinished';
  recording: AriLiveRecording;
}

export interface AriRecordingFailedEvent extends AriEventBase {
  type: 'RecordingFailed';
  recording: AriLiveRecording;
}

/**
 * `dialstatus` is `""` when the dial starts, then `RINGING`, `ANSWER`, `BUSY`, `NOANSWER`,
 * `CANCEL`… `peer` is the dialed channel; `caller` is absent for an ARI originate (s01, s09).
 */
export interface AriDialEvent extends AriEventBase {
  type: 'Dial';
  dialstatus: string;
  dialstring?: string;
  forward?: string;
  peer: AriChannel;
  caller?: AriChannel;
  forwarded?: AriChannel;
}

/** Sent to the older WebSocket when a newer one registers the same application (res_stasis app_update). */
export interface AriApplicationReplacedEvent {
  type: 'ApplicationReplaced';
  application: string;
  asterisk_id?: string;
  timestamp?: string;
}

export interface AriDeviceStateChangedEvent extends AriEventBase {
  type: 'DeviceStateChanged';
  device_state: AriDeviceState;
}

export type AriEvent =
  | AriStasisStartEvent
  | AriStasisEndEvent
  | AriChannelCreatedEvent
  | AriChannelDestroyedEvent
  | AriChannelStateChangeEvent
  | AriChannelHangupRequestEvent
  | AriChannelDtmfReceivedEvent
  | AriChannelVarsetEvent
  | AriChannelDialplanEvent
  | AriChannelCallerIdEvent
  | AriChannelConnectedLineEvent
  | AriChannelHoldEvent
  | AriChannelUnholdEvent
  | AriChannelEnteredBridgeEvent
  | AriChannelLeftBridgeEvent
  | AriChannelUsereventEvent
  | AriBridgeCreatedEvent
  | AriBridgeDestroyedEvent
  | AriBridgeBlindTransferEvent
  | AriPlaybackStartedEvent
  | AriPlaybackContinuingEvent
  | AriPlaybackFinishedEvent
  | AriRecordingStartedEvent
  | AriRecordingFinishedEvent
  | AriRecordingFailedEvent
  | AriDialEvent
  | AriApplicationReplacedEvent
  | AriDeviceStateChangedEvent;

export type AriEventType = AriEvent['type'];

/** For each handled type, the resources it must carry and the key that identifies each. */
const REQUIRED_RESOURCES = {
  StasisStart: [['channel', 'id']],
  StasisEnd: [['channel', 'id']],
  ChannelCreated: [['channel', 'id']],
  ChannelDestroyed: [['channel', 'id']],
  ChannelStateChange: [['channel', 'id']],
  ChannelHangupRequest: [['channel', 'id']],
  ChannelDtmfReceived: [['channel', 'id']],
  ChannelVarset: [],
  ChannelDialplan: [['channel', 'id']],
  ChannelCallerId: [['channel', 'id']],
  ChannelConnectedLine: [['channel', 'id']],
  ChannelHold: [['channel', 'id']],
  ChannelUnhold: [['channel', 'id']],
  ChannelEnteredBridge: [['bridge', 'id']],
  ChannelLeftBridge: [['bridge', 'id']],
  ChannelUserevent: [],
  BridgeCreated: [['bridge', 'id']],
  BridgeDestroyed: [['bridge', 'id']],
  BridgeBlindTransfer: [['channel', 'id']],
  PlaybackStarted: [['playback', 'id']],
  PlaybackContinuing: [['playback', 'id']],
  PlaybackFinished: [['playback', 'id']],
  RecordingStarted: [['recording', 'name']],
  RecordingFinished: [['recording', 'name']],
  RecordingFailed: [['recording', 'name']],
  Dial: [['peer', 'id']],
  ApplicationReplaced: [],
  DeviceStateChanged: [['device_state', 'name']],
} as const satisfies Record<AriEventType, readonly (readonly [string, string])[]>;

export type AriParsedFrame =
  { kind: 'event'; event: AriEvent } | { kind: 'unhandled'; type: string } | { kind: 'invalid'; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHandledType(type: string): type is AriEventType {
  return Object.hasOwn(REQUIRED_RESOURCES, type);
}

/**
 * Parses one WebSocket text frame. Checks only what routing relies on (the type and the ids
 * of the resources it names), so one odd frame costs one frame, never the connection.
 */
export function parseAriEvent(frame: string): AriParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  if (!isRecord(value) || typeof value.type !== 'string') return { kind: 'invalid', reason: 'no type' };
  const type = value.type;
  if (!isHandledType(type)) return { kind: 'unhandled', type };
  for (const [resource, idKey] of REQUIRED_RESOURCES[type]) {
    const object = value[resource];
    if (!isRecord(object) || typeof object[idKey] !== 'string') {
      return { kind: 'invalid', reason: `${type} without ${resource}.${idKey}` };
    }
  }
  if (type === 'StasisStart' && !Array.isArray(value.args))
    return { kind: 'invalid', reason: 'StasisStart without args' };
  return { kind: 'event', event: value as unknown as AriEvent };
}

/** `channel:<id>` → `<id>`; a bridge target gives undefined. */
export function readChannelIdFromTargetUri(targetUri: string): string | undefined {
  return targetUri.startsWith('channel:') ? targetUri.slice('channel:'.length) : undefined;
}

/** The channels an event is about, for per-channel listeners. */
export function findChannelIdsOfEvent(event: AriEvent): string[] {
  const ids: (string | undefined)[] = [];
  switch (event.type) {
    case 'Dial':
      ids.push(event.peer.id, event.caller?.id);
      break;
    case 'BridgeBlindTransfer':
      ids.push(event.channel.id, event.transferee?.id, event.replace_channel?.id);
      break;
    case 'PlaybackStarted':
    case 'PlaybackContinuing':
    case 'PlaybackFinished':
      ids.push(readChannelIdFromTargetUri(event.playback.target_uri));
      break;
    case 'RecordingStarted':
    case 'RecordingFinished':
    case 'RecordingFailed':
      ids.push(readChannelIdFromTargetUri(event.recording.target_uri));
      break;
    case 'ApplicationReplaced':
    case 'BridgeCreated':
    case 'BridgeDestroyed':
    case 'DeviceStateChanged':
      break;
    case 'StasisStart':
    case 'StasisEnd':
    case 'ChannelCreated':
    case 'ChannelDestroyed':
    case 'ChannelStateChange':
    case 'ChannelHangupRequest':
    case 'ChannelDtmfReceived':
    case 'ChannelVarset':
    case 'ChannelDialplan':
    case 'ChannelCallerId':
    case 'ChannelConnectedLine':
    case 'ChannelHold':
    case 'ChannelUnhold':
    case 'ChannelEnteredBridge':
    case 'ChannelLeftBridge':
    case 'ChannelUserevent':
      ids.push(event.channel?.id);
      break;
  }
  return [...new Set(ids.filter((id): id is string => id !== undefined))];
}

/**
 * With subscribeAll, Asterisk delivers a bridge's Playback and Recording events twice, as
 * identical frames one after the other (ari-rest/events-during-rest-session.jsonl lines
 * 68–83); channel-targeted ones are not doubled.
 */
export function isBridgeMediaEvent(event: AriEvent): boolean {
  const targetUri =
    'playback' in event ? event.playback.target_uri : 'recording' in event ? event.recording.target_uri : undefined;
  return targetUri?.startsWith('bridge:') === true;
}
