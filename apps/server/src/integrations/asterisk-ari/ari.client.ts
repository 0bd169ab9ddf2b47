import type WebSocket from 'ws';
import { AriHttp, encodeSegment, type AriHttpOptions } from './ari.http.js';
import {
  joinAppArgs,
  toPlayQuery,
  toRecordQuery,
  toVariablesBody,
  type AriCreateChannelParams,
  type AriExternalMediaParams,
  type AriHangupReason,
  type AriOriginateParams,
  type AriPlayParams,
  type AriRecordParams,
} from './ari.params.js';
import type {
  AriApplication,
  AriAsteriskInfo,
  AriBridge,
  AriChannel,
  AriLiveRecording,
  AriPing,
  AriPlayback,
  AriStoredRecording,
} from './ari.types.js';

export type AriClientOptions = AriHttpOptions;

/**
 * Typed ARI REST calls. Every id parameter is Asterisk's (a channel's uniqueid, a bridge id,
 * a playback id, a recording name). Errors are `AriError` subclasses (ari.errors.ts).
 */
export class AriClient {
  readonly #http: AriHttp;

  constructor(options: AriClientOptions) {
    this.#http = new AriHttp(options);
  }

  /** The events WebSocket of `app` (`GET /ari/events`); the caller owns it. */
  openEventsWebSocket(app: string, options: { subscribeAll: boolean }): WebSocket {
    return this.#http.openWebSocket('/events', { app, subscribeAll: options.subscribeAll ? 'true' : undefined });
  }

  async ping(): Promise<AriPing> {
    return this.#http.request('GET', '/asterisk/ping');
  }

  async getAsteriskInfo(): Promise<AriAsteriskInfo> {
    return this.#http.request('GET', '/asterisk/info');
  }

  /** 404 while no WebSocket is connected for the application (s12). */
  async getApplication(appName: string): Promise<AriApplication> {
    return this.#http.request('GET', `/applications/${encodeSegment(appName)}`);
  }

  async listChannels(): Promise<AriChannel[]> {
    return this.#http.request('GET', '/channels');
  }

  async getChannel(asteriskChannelId: string): Promise<AriChannel> {
    return this.#http.request('GET', `/channels/${encodeSegment(asteriskChannelId)}`);
  }

  /**
   * Answers 200 with a `Down` channel even when the call will fail at once (s08) or the app
   * has no WebSocket (022): the outcome comes later as events (Dial, StasisStart, ChannelDestroyed).
   */
  async originateChannel(params: AriOriginateParams): Promise<AriChannel> {
    const query = {
      endpoint: params.endpoint,
      channelId: params.asteriskChannelId,
      otherChannelId: params.otherAsteriskChannelId,
      app: params.app,
      appArgs: params.appArgs === undefined ? undefined : joinAppArgs(params.appArgs, 'POST', '/channels'),
      context: params.context,
      extension: params.extension,
      priority: params.priority,
      label: params.label,
      callerId: params.callerId,
      timeout: params.timeoutSeconds,
      originator: params.originatorAsteriskChannelId,
      formats: params.formats,
    };
    return this.#http.request('POST', '/channels', { query, body: toVariablesBody(params.variables) });
  }

  /** Creates without dialing; `dialChannel` dials. */
  async createChannel(params: AriCreateChannelParams): Promise<AriChannel> {
    const query = {
      endpoint: params.endpoint,
      app: params.app,
      appArgs: params.appArgs === undefined ? undefined : joinAppArgs(params.appArgs, 'POST', '/channels/create'),
      channelId: params.asteriskChannelId,
      otherChannelId: params.otherAsteriskChannelId,
      originator: params.originatorAsteriskChannelId,
      formats: params.formats,
    };
    return this.#http.request('POST', '/channels/create', { query, body: toVariablesBody(params.variables) });
  }

  /** 409 `Channel is not in the 'Down' state` when dialed twice (102). */
  async dialChannel(
    asteriskChannelId: string,
    options: { caller?: string; timeoutSeconds?: number } = {},
  ): Promise<void> {
    const query = { caller: options.caller, timeout: options.timeoutSeconds };
    await this.#http.request('POST', `/channels/${encodeSegment(asteriskChannelId)}/dial`, { query });
  }

  /** Answering twice is a 204 (032); a channel outside Stasis is a 409 (034). */
  async answerChannel(asteriskChannelId: string): Promise<void> {
    await this.#http.request('POST', `/channels/${encodeSegment(asteriskChannelId)}/answer`);
  }

  async ringChannel(asteriskChannelId: string): Promise<void> {
    await this.#http.request('POST', `/channels/${encodeSegment(asteriskChannelId)}/ring`);
  }

  async stopRingingChannel(asteriskChannelId: string): Promise<void> {
    await this.#http.request('DELETE', `/channels/${encodeSegment(asteriskChannelId)}/ring`);
  }

  /** A channel already gone is a 404 (117). `reasonCode` is a Q.850 cause (114). */
  async hangupChannel(
    asteriskChannelId: string,
    options: { reason?: AriHangupReason; reasonCode?: number } = {},
  ): Promise<void> {
    const query = { reason: options.reason, reason_code: options.reasonCode };
    await this.#http.request('DELETE', `/channels/${encodeSegment(asteriskChannelId)}`, { query });
  }

  /** Leaves Stasis (StasisEnd) and resumes the dialplan; after StasisEnd it is a 409 (096). */
  async continueInDialplan(
    asteriskChannelId: string,
    target: { context?: string; extension?: string; priority?: number; label?: string } = {},
  ): Promise<void> {
    const query = {
      context: target.context,
      extension: target.extension,
      priority: target.priority,
      label: target.label,
    };
    await this.#http.request('POST', `/channels/${encodeSegment(asteriskChannelId)}/continue`, { query });
  }

  /**
   * A transfer done by the channel driver (PJSIP REFER). On a Local channel it answers 204
   * and does nothing (s05). The endpoint's technology must match the channel's (091, 422).
   */
  async redirectChannel(asteriskChannelId: string, endpoint: string): Promise<void> {
    await this.#http.request('POST', `/channels/${encodeSegment(asteriskChannelId)}/redirect`, { query: { endpoint } });
  }

  async moveChannel(asteriskChannelId: string, app: string, appArgs?: readonly string[]): Promise<void> {
    const path = `/channels/${encodeSegment(asteriskChannelId)}/move`;
    const query = { app, appArgs: appArgs === undefined ? undefined : joinAppArgs(appArgs, 'POST', path) };
    await this.#http.request('POST', path, { query });
  }

  /** A variable never set is a 404 `Provided variable was not found` (078); functions work (`CHANNEL(state)`, 080). */
  async getChannelVariable(asteriskChannelId: string, variable: string): Promise<string> {
    const path = `/channels/${encodeSegment(asteriskChannelId)}/variable`;
    const body = await this.#http.request<{ value: string }>('GET', path, { query: { variable } });
    return body.value;
  }

  async setChannelVariable(asteriskChannelId: string, variable: string, value: string): Promise<void> {
    const path = `/channels/${encodeSegment(asteriskChannelId)}/variable`;
    await this.#http.request('POST', path, { query: { variable, value } });
  }

  /** Digits sent here arrive as ChannelDtmfReceived on the peer, not on this channel (s04). */
  async sendDtmf(
    asteriskChannelId: string,
    dtmf: string,
    timing: { before?: number; between?: number; duration?: number; after?: number } = {},
  ): Promise<void> {
    await this.#http.request('POST', `/channels/${encodeSegment(asteriskChannelId)}/dtmf`, {
      query: { dtmf, ...timing },
    });
  }

  async holdChannel(asteriskChannelId: string): Promise<void> {
    await this.#http.request('POST', `/channels/${encodeSegment(asteriskChannelId)}/hold`);
  }

  async unholdChannel(asteriskChannelId: string): Promise<void> {
    await this.#http.request('DELETE', `/channels/${encodeSegment(asteriskChannelId)}/hold`);
  }

  async startChannelMusicOnHold(asteriskChannelId: string, mohClass?: string): Promise<void> {
    await this.#http.request('POST', `/channels/${encodeSegment(asteriskChannelId)}/moh`, { query: { mohClass } });
  }

  async stopChannelMusicOnHold(asteriskChannelId: string): Promise<void> {
    await this.#http.request('DELETE', `/channels/${encodeSegment(asteriskChannelId)}/moh`);
  }

  async muteChannel(asteriskChannelId: string, direction: 'in' | 'out' | 'both' = 'both'): Promise<void> {
    await this.#http.request('POST', `/channels/${encodeSegment(asteriskChannelId)}/mute`, { query: { direction } });
  }

  async unmuteChannel(asteriskChannelId: string, direction: 'in' | 'out' | 'both' = 'both'): Promise<void> {
    await this.#http.request('DELETE', `/channels/${encodeSegment(asteriskChannelId)}/mute`, { query: { direction } });
  }

  /** 201 with state `queued`; PlaybackStarted/PlaybackFinished follow. A missing sound still starts, then finishes `failed`. */
  async playOnChannel(asteriskChannelId: string, params: AriPlayParams): Promise<AriPlayback> {
    return this.#http.request('POST', `/channels/${encodeSegment(asteriskChannelId)}/play`, {
      query: toPlayQuery(params),
    });
  }

  /** A bridged channel answers 201 `queued` and then fails with a RecordingFailed event (047): record the bridge instead. */
  async recordChannel(asteriskChannelId: string, params: AriRecordParams): Promise<AriLiveRecording> {
    const path = `/channels/${encodeSegment(asteriskChannelId)}/record`;
    return this.#http.request('POST', path, { query: toRecordQuery(params, path) });
  }

  async snoopChannel(
    asteriskChannelId: string,
    params: { app: string; spy?: 'none' | 'both' | 'out' | 'in'; whisper?: 'none' | 'both' | 'out' | 'in' },
    options: { snoopAsteriskChannelId?: string; appArgs?: readonly string[] } = {},
  ): Promise<AriChannel> {
    const path = `/channels/${encodeSegment(asteriskChannelId)}/snoop`;
    const appArgs = options.appArgs === undefined ? undefined : joinAppArgs(options.appArgs, 'POST', path);
    const query = {
      app: params.app,
      spy: params.spy,
      whisper: params.whisper,
      appArgs,
      snoopId: options.snoopAsteriskChannelId,
    };
    return this.#http.request('POST', path, { query });
  }

  /** With `encapsulation: audiosocket` and nobody listening at the host, a 500 (109). */
  async createExternalMedia(params: AriExternalMediaParams): Promise<AriChannel> {
    const query = {
      app: params.app,
      channelId: params.asteriskChannelId,
      external_host: params.externalHost,
      format: params.format,
      encapsulation: params.encapsulation,
      transport: params.transport,
      data: params.data,
      direction: params.direction,
    };
    return this.#http.request('POST', '/channels/externalMedia', { query, body: toVariablesBody(params.variables) });
  }

  async listBridges(): Promise<AriBridge[]> {
    return this.#http.request('GET', '/bridges');
  }

  async getBridge(bridgeId: string): Promise<AriBridge> {
    return this.#http.request('GET', `/bridges/${encodeSegment(bridgeId)}`);
  }

  /** A duplicate id is a 409 (038); an unknown type a 500 (037). `type` is a comma list: `mixing,dtmf_events`. */
  async createBridge(params: { bridgeId: string; type?: string; name?: string }): Promise<AriBridge> {
    return this.#http.request('POST', '/bridges', {
      query: { type: params.type, bridgeId: params.bridgeId, name: params.name },
    });
  }

  async destroyBridge(bridgeId: string): Promise<void> {
    await this.#http.request('DELETE', `/bridges/${encodeSegment(bridgeId)}`);
  }

  /**
   * Unknown channel: 400 `Channel not found` (044), not 404; a channel outside Stasis: 422 (045);
   * unknown bridge: 404 (043).
   */
  async addChannelsToBridge(
    bridgeId: string,
    asteriskChannelIds: readonly string[],
    options: { role?: string; absorbDtmf?: boolean; mute?: boolean } = {},
  ): Promise<void> {
    const query = {
      channel: asteriskChannelIds.join(','),
      role: options.role,
      absorbDTMF: options.absorbDtmf,
      mute: options.mute,
    };
    await this.#http.request('POST', `/bridges/${encodeSegment(bridgeId)}/addChannel`, { query });
  }

  /** 422 `Channel not in this bridge` (054). */
  async removeChannelFromBridge(bridgeId: string, asteriskChannelId: string): Promise<void> {
    const query = { channel: asteriskChannelId };
    await this.#http.request('POST', `/bridges/${encodeSegment(bridgeId)}/removeChannel`, { query });
  }

  /** MOH into the bridge through an announcer channel: everyone in the bridge hears it. */
  async startBridgeMusicOnHold(bridgeId: string, mohClass?: string): Promise<void> {
    await this.#http.request('POST', `/bridges/${encodeSegment(bridgeId)}/moh`, { query: { mohClass } });
  }

  async stopBridgeMusicOnHold(bridgeId: string): Promise<void> {
    await this.#http.request('DELETE', `/bridges/${encodeSegment(bridgeId)}/moh`);
  }

  /** With subscribeAll, the bridge's PlaybackStarted/Finished arrive twice (the connection drops the copy). */
  async playOnBridge(bridgeId: string, params: AriPlayParams): Promise<AriPlayback> {
    return this.#http.request('POST', `/bridges/${encodeSegment(bridgeId)}/play`, { query: toPlayQuery(params) });
  }

  async recordBridge(bridgeId: string, params: AriRecordParams): Promise<AriLiveRecording> {
    const path = `/bridges/${encodeSegment(bridgeId)}/record`;
    return this.#http.request('POST', path, { query: toRecordQuery(params, path) });
  }

  async getPlayback(playbackId: string): Promise<AriPlayback> {
    return this.#http.request('GET', `/playbacks/${encodeSegment(playbackId)}`);
  }

  /** Stops a whole media list (902); a `digits:` item cannot be stopped: 500 `Could not stop playback` (903). */
  async stopPlayback(playbackId: string): Promise<void> {
    await this.#http.request('DELETE', `/playbacks/${encodeSegment(playbackId)}`);
  }

  async controlPlayback(
    playbackId: string,
    operation: 'restart' | 'pause' | 'unpause' | 'reverse' | 'forward',
  ): Promise<void> {
    await this.#http.request('POST', `/playbacks/${encodeSegment(playbackId)}/control`, { query: { operation } });
  }

  async listStoredRecordings(): Promise<AriStoredRecording[]> {
    return this.#http.request('GET', '/recordings/stored');
  }

  async getStoredRecording(recordingName: string): Promise<AriStoredRecording> {
    return this.#http.request('GET', `/recordings/stored/${encodeSegment(recordingName)}`);
  }

  async copyStoredRecording(recordingName: string, destinationRecordingName: string): Promise<AriStoredRecording> {
    const path = `/recordings/stored/${encodeSegment(recordingName)}/copy`;
    return this.#http.request('POST', path, { query: { destinationRecordingName } });
  }

  async deleteStoredRecording(recordingName: string): Promise<void> {
    await this.#http.request('DELETE', `/recordings/stored/${encodeSegment(recordingName)}`);
  }

  /** 404 once the recording has finished (050): it is then a stored recording. */
  async getLiveRecording(recordingName: string): Promise<AriLiveRecording> {
    return this.#http.request('GET', `/recordings/live/${encodeSegment(recordingName)}`);
  }

  /** Stops and keeps the file (RecordingFinished follows). */
  async stopLiveRecording(recordingName: string): Promise<void> {
    await this.#http.request('POST', `/recordings/live/${encodeSegment(recordingName)}/stop`);
  }

  /** Stops and discards the file. */
  async cancelLiveRecording(recordingName: string): Promise<void> {
    await this.#http.request('DELETE', `/recordings/live/${encodeSegment(recordingName)}`);
  }
}
