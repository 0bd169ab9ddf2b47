/**
 * ARI resource models as Asterisk 22.10.1 sends them (test/fixtures/asterisk/ari-rest).
 * Field names are Asterisk's own (snake_case), so a capture can be compared with a type
 * by eye. Our code never renames them here; the calls module maps them to its domain.
 */

export interface AriCallerId {
  name: string;
  number: string;
}

/** Where a channel is in the dialplan. `app_name` is `Stasis` while the channel is in an ARI app. */
export interface AriDialplanLocation {
  context: string;
  exten: string;
  priority: number;
  app_name: string;
  app_data: string;
}

/** `ast_state2str` values. `Ring` is an inbound channel not yet answered; `Ringing` an outbound one ringing. */
export type AriChannelState =
  | 'Down'
  | 'Rsrvd'
  | 'OffHook'
  | 'Dialing'
  | 'Ring'
  | 'Ringing'
  | 'Up'
  | 'Busy'
  | 'Dialing Offhook'
  | 'Pre-ring'
  | 'Unknown';

export interface AriChannel {
  /** The channel's uniqueid: the `channelId` we chose at originate, or `<epoch>.<seq>` when Asterisk chose. */
  id: string;
  name: string;
  state: AriChannelState;
  protocol_id: string;
  caller: AriCallerId;
  connected: AriCallerId;
  accountcode: string;
  dialplan: AriDialplanLocation;
  creationtime: string;
  language: string;
  /** Present only when configured in ari.conf or set by externalMedia (UNICASTRTP_*, AUDIOSOCKET_*). */
  channelvars?: Record<string, string>;
}

export interface AriBridge {
  id: string;
  technology: string;
  bridge_type: string;
  bridge_class: string;
  creator: string;
  name: string;
  channels: string[];
  creationtime: string;
  video_mode: string;
  video_source_id?: string;
}

export type AriPlaybackState = 'queued' | 'playing' | 'continuing' | 'paused' | 'done' | 'failed' | 'stopped';

export interface AriPlayback {
  id: string;
  media_uri: string;
  /** Present while a media list has a next item. */
  next_media_uri?: string;
  /** `channel:<id>` or `bridge:<id>`. */
  target_uri: string;
  language: string;
  state: AriPlaybackState;
}

export type AriRecordingState = 'queued' | 'recording' | 'paused' | 'done' | 'failed' | 'canceled';

export interface AriLiveRecording {
  name: string;
  format: string;
  state: AriRecordingState;
  target_uri: string;
  /** Set on `RecordingFailed`, e.g. `Cannot record channel while in bridge`. */
  cause?: string;
  duration?: number;
  talking_duration?: number;
  silence_duration?: number;
}

export interface AriStoredRecording {
  name: string;
  format: string;
}

export interface AriPing {
  ping: string;
  timestamp: string;
  asterisk_id: string;
}

export interface AriAsteriskInfo {
  build?: Record<string, unknown>;
  system?: { version: string; entity_id: string };
  config?: Record<string, unknown>;
  status?: { startup_time: string; last_reload_time: string };
}

export interface AriApplication {
  name: string;
  channel_ids: string[];
  bridge_ids: string[];
  endpoint_ids: string[];
  device_names: string[];
  events_allowed: unknown[];
  events_disallowed: unknown[];
}

export interface AriDeviceState {
  name: string;
  state: string;
}
