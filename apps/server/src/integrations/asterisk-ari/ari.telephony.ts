/**
 * Call control over ARI, in the vocabulary of the calls module's TelephonyPort (matched
 * structurally: integrations never import modules). ARI events are translated into
 * telephony events; Asterisk's quirks stay here:
 * - a failed originate may end with ChannelDestroyed `cause: 0`: the Dial event's
 *   `dialstatus` for that channel supplies the real outcome (s08, s09);
 * - a channel back from a blind transfer enters Stasis with no args (s07): not ours;
 * - bridge recordings always carry a format (Asterisk 22.10.1 crashes without one).
 */
import type { Logger } from '../../shared/logger.js';
import type { TelephonyEvent } from '../../shared/telephony.js';
import type { AriClient } from './ari.client.js';
import type { AriConnection } from './ari.connection.js';
import { readChannelIdFromTargetUri, type AriEvent } from './ari.events.js';
import type { AriReconciliation } from './ari.reconcile.js';

export type AriTelephonyEvent = TelephonyEvent;

/** Q.850 causes for Dial's outcome when ChannelDestroyed reports none. */
const CAUSE_OF_DIALSTATUS: Record<string, [number, string]> = {
  BUSY: [17, 'User busy'],
  NOANSWER: [19, 'No user response'],
  CANCEL: [16, 'Normal Clearing'],
  CONGESTION: [34, 'Circuit/channel congestion'],
  CHANUNAVAIL: [20, 'Subscriber absent'],
};

/** ARI writes `+0000`; Date wants `+00:00` to be sure. */
export function parseAriTimestamp(value: string): Date {
  const date = new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(date.getTime()) ? new Date() : date;
}

export class AriTelephony {
  private readonly listeners = new Set<(event: AriTelephonyEvent) => void>();
  private readonly reconcileListeners = new Set<
    (presentChannelIds: ReadonlySet<string>, linkLostAt: Date | undefined) => void
  >();
  private readonly dialStatus = new Map<string, string>();
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly client: AriClient,
    private readonly connection: AriConnection,
    private readonly app: string,
    private readonly logger: Logger,
  ) {
    this.unsubscribe = [
      connection.onEvent((event) => this.translate(event)),
      connection.onReconciled((report, link) => this.handleReconciliation(report, link.lostAt)),
    ];
  }

  onEvent(listener: (event: AriTelephonyEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * After every (re)connect: the channel ids Asterisk still has that concern us, and when
   * the link had been lost (the last moment media was known to flow), after a reconnect.
   */
  onReconciled(listener: (presentChannelIds: ReadonlySet<string>, linkLostAt: Date | undefined) => void): () => void {
    this.reconcileListeners.add(listener);
    return () => this.reconcileListeners.delete(listener);
  }

  start(): void {
    this.connection.start();
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe) off();
    await this.connection.stop();
  }

  /**
   * Opens the events WebSocket as the owner of the application (ADR 23); `linkLostAt` is
   * when the previous owner was last known to listen, for the reconciliation that follows.
   */
  connect(options: { linkLostAt?: Date } = {}): void {
    this.connection.start(options);
  }

  /** Closes the events WebSocket (another node owns the application now); listeners stay. */
  async disconnect(): Promise<void> {
    await this.connection.stop();
  }

  isAvailable(): boolean {
    return this.connection.state === 'connected';
  }

  async originate(request: {
    channelId: string;
    endpoint: string;
    callerId: string;
    appArgs: string[];
    timeoutSeconds: number;
    variables?: Record<string, string>;
  }): Promise<void> {
    await this.client.originateChannel({
      endpoint: request.endpoint,
      asteriskChannelId: request.channelId,
      app: this.app,
      appArgs: request.appArgs,
      callerId: request.callerId,
      timeoutSeconds: request.timeoutSeconds,
      ...(request.variables ? { variables: request.variables } : {}),
    });
  }

  ring(channelId: string): Promise<void> {
    return this.client.ringChannel(channelId);
  }

  answer(channelId: string): Promise<void> {
    return this.client.answerChannel(channelId);
  }

  hangup(channelId: string): Promise<void> {
    return this.client.hangupChannel(channelId, { reason: 'normal' });
  }

  /** Bridges the legs; a recording that cannot start does not fail the call. */
  async bridgeAndRecord(
    bridgeId: string,
    channelIds: string[],
    recordingName: string,
  ): Promise<{ isRecording: boolean }> {
    await this.client.createBridge({ bridgeId, type: 'mixing' });
    await this.client.addChannelsToBridge(bridgeId, channelIds);
    try {
      await this.client.recordBridge(bridgeId, { name: recordingName, format: 'wav', ifExists: 'fail' });
      return { isRecording: true };
    } catch (error) {
      this.logger.warn({ err: error, bridgeId }, 'bridge recording did not start');
      return { isRecording: false };
    }
  }

  destroyBridge(bridgeId: string): Promise<void> {
    return this.client.destroyBridge(bridgeId);
  }

  setVariable(channelId: string, name: string, value: string): Promise<void> {
    return this.client.setChannelVariable(channelId, name, value);
  }

  continueInDialplan(channelId: string, context: string, extension: string): Promise<void> {
    return this.client.continueInDialplan(channelId, { context, extension, priority: 1 });
  }

  stopRinging(channelId: string): Promise<void> {
    return this.client.stopRingingChannel(channelId);
  }

  async createBridge(bridgeId: string): Promise<void> {
    await this.client.createBridge({ bridgeId, type: 'mixing' });
  }

  addToBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    return this.client.addChannelsToBridge(bridgeId, channelIds);
  }

  removeFromBridge(bridgeId: string, channelId: string): Promise<void> {
    return this.client.removeChannelFromBridge(bridgeId, channelId);
  }

  startBridgeMusicOnHold(bridgeId: string): Promise<void> {
    return this.client.startBridgeMusicOnHold(bridgeId);
  }

  stopBridgeMusicOnHold(bridgeId: string): Promise<void> {
    return this.client.stopBridgeMusicOnHold(bridgeId);
  }

  async snoop(request: {
    channelId: string;
    snoopChannelId: string;
    spy: 'none' | 'both' | 'in' | 'out';
    whisper: 'none' | 'both' | 'in' | 'out';
    appArgs: string[];
  }): Promise<void> {
    await this.client.snoopChannel(
      request.channelId,
      { app: this.app, spy: request.spy, whisper: request.whisper },
      { snoopAsteriskChannelId: request.snoopChannelId, appArgs: request.appArgs },
    );
  }

  startMusicOnHold(channelId: string): Promise<void> {
    return this.client.startChannelMusicOnHold(channelId);
  }

  stopMusicOnHold(channelId: string): Promise<void> {
    return this.client.stopChannelMusicOnHold(channelId);
  }

  /** Plays `media` (`sound:…`, a list plays in order); PlaybackFinished reports the end as `playback_finished`. */
  async play(channelId: string, media: readonly string[], playbackId: string): Promise<void> {
    await this.client.playOnChannel(channelId, { media, playbackId });
  }

  async stopPlayback(playbackId: string): Promise<void> {
    await this.client.stopPlayback(playbackId);
  }

  /** Records what the caller says (voicemail) into the recordings directory, always as wav. */
  async recordChannel(
    channelId: string,
    recordingName: string,
    limits: { maxDurationSeconds: number; maxSilenceSeconds: number },
  ): Promise<void> {
    await this.client.recordChannel(channelId, {
      name: recordingName,
      format: 'wav',
      maxDurationSeconds: limits.maxDurationSeconds,
      maxSilenceSeconds: limits.maxSilenceSeconds,
      beep: true,
      ifExists: 'fail',
      terminateOn: '#',
    });
  }

  async stopRecording(recordingName: string): Promise<void> {
    await this.client.stopLiveRecording(recordingName);
  }

  private emit(event: AriTelephonyEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private translate(event: AriEvent): void {
    switch (event.type) {
      case 'StasisStart': {
        const { channel } = event;
        this.emit({
          kind: 'channel_entered',
          channelId: channel.id,
          args: event.replace_channel ? [] : event.args,
          callerNumber: channel.caller.number,
          dialedExtension: channel.dialplan.exten,
          asteriskUniqueId: channel.id,
          at: parseAriTimestamp(event.timestamp),
        });
        return;
      }
      case 'ChannelStateChange': {
        const at = parseAriTimestamp(event.timestamp);
        if (event.channel.state === 'Ringing') this.emit({ kind: 'channel_ringing', channelId: event.channel.id, at });
        if (event.channel.state === 'Up') this.emit({ kind: 'channel_answered', channelId: event.channel.id, at });
        return;
      }
      case 'Dial':
        if (event.dialstatus) this.dialStatus.set(event.peer.id, event.dialstatus);
        return;
      case 'BridgeBlindTransfer':
        // A phone-side blind transfer out of our bridge (s07); the transferee goes on without us.
        if (event.result === 'Success') {
          this.emit({
            kind: 'channel_transferred',
            channelId: event.channel.id,
            destination: event.exten,
            at: parseAriTimestamp(event.timestamp),
          });
        }
        return;
      case 'StasisEnd':
        this.emit({ kind: 'channel_left', channelId: event.channel.id, at: parseAriTimestamp(event.timestamp) });
        return;
      case 'ChannelDestroyed': {
        const channelId = event.channel.id;
        const fromDial = CAUSE_OF_DIALSTATUS[this.dialStatus.get(channelId) ?? ''];
        this.dialStatus.delete(channelId);
        const [cause, causeText] = event.cause === 0 && fromDial ? fromDial : [event.cause, event.cause_txt || null];
        this.emit({ kind: 'channel_ended', channelId, cause, causeText, at: parseAriTimestamp(event.timestamp) });
        return;
      }
      case 'RecordingFinished':
        this.emit({
          kind: 'recording_finished',
          recordingName: event.recording.name,
          durationSeconds: event.recording.duration ?? null,
          at: parseAriTimestamp(event.timestamp),
        });
        return;
      case 'ChannelDtmfReceived':
        this.emit({
          kind: 'channel_dtmf',
          channelId: event.channel.id,
          digit: event.digit,
          at: parseAriTimestamp(event.timestamp),
        });
        return;
      case 'PlaybackFinished':
        this.emit({
          kind: 'playback_finished',
          playbackId: event.playback.id,
          channelId: readChannelIdFromTargetUri(event.playback.target_uri) ?? null,
          isFailed: event.playback.state === 'failed',
          at: parseAriTimestamp(event.timestamp),
        });
        return;
      case 'RecordingFailed':
        this.emit({
          kind: 'recording_failed',
          recordingName: event.recording.name,
          at: parseAriTimestamp(event.timestamp),
        });
        return;
      default:
        return;
    }
  }

  private handleReconciliation(report: AriReconciliation, linkLostAt: Date | undefined): void {
    const present = new Set<string>();
    for (const channel of [...report.stillInStasis, ...report.leftStasis, ...report.unknownInStasis]) {
      present.add(channel.id);
    }
    for (const listener of this.reconcileListeners) listener(present, linkLostAt);
  }
}
