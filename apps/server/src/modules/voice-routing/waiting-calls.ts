/**
 * Callers in Stasis who are not talking to an agent, and what they hear: music on hold and
 * spoken prompts (one at a time; music pauses while a prompt plays). Kept on the node that
 * holds the ARI event stream; their entries, and so their place in line, are in the database.
 */
import type { Logger } from '../../shared/logger.js';
import { newId } from '../../shared/ids.js';
import type { Language, VoiceMenu } from './voice-routing.js';
import type { PromptUrls, QueueTelephony } from './voice-routing.ports.js';

/** What follows a prompt: music again, the caller's key, the voicemail recording, or the end. */
export type AfterPlayback = 'moh' | 'menu_wait' | 'record' | 'hangup';

export interface WaitingCall {
  callId: string;
  companyId: string;
  channelId: string;
  callerNumber: string;
  language: Language;
  phase: 'menu' | 'waiting' | 'voicemail' | 'recording' | 'leaving';
  isMohOn: boolean;
  playback: { id: string; after: AfterPlayback } | undefined;
  menu: VoiceMenu | undefined;
  defaultQueueId: string | null;
  menuAttempts: number;
  menuTimer: NodeJS.Timeout | undefined;
  lastAnnouncedAt: Date | null;
  isCallbackOffered: boolean;
}

export type NewWaitingCall = Pick<
  WaitingCall,
  'callId' | 'companyId' | 'channelId' | 'callerNumber' | 'language' | 'menu' | 'defaultQueueId'
>;

export class WaitingCalls {
  private readonly byChannel = new Map<string, WaitingCall>();
  private readonly channelOfCall = new Map<string, string>();

  constructor(private readonly deps: { telephony: QueueTelephony; prompts: PromptUrls; logger: Logger }) {}

  track(input: NewWaitingCall): WaitingCall {
    const call: WaitingCall = {
      ...input,
      phase: 'waiting',
      isMohOn: false,
      playback: undefined,
      menuAttempts: 0,
      menuTimer: undefined,
      lastAnnouncedAt: null,
      isCallbackOffered: false,
    };
    this.byChannel.set(call.channelId, call);
    this.channelOfCall.set(call.callId, call.channelId);
    return call;
  }

  untrack(call: WaitingCall): void {
    clearTimeout(call.menuTimer);
    this.byChannel.delete(call.channelId);
    if (this.channelOfCall.get(call.callId) === call.channelId) this.channelOfCall.delete(call.callId);
  }

  isTracked(call: WaitingCall): boolean {
    return this.byChannel.get(call.channelId) === call;
  }

  ofChannel(channelId: string): WaitingCall | undefined {
    return this.byChannel.get(channelId);
  }

  ofCall(callId: string | null): WaitingCall | undefined {
    const channelId = callId ? this.channelOfCall.get(callId) : undefined;
    return channelId ? this.byChannel.get(channelId) : undefined;
  }

  ofPlayback(playbackId: string): WaitingCall | undefined {
    for (const call of this.byChannel.values()) if (call.playback?.id === playbackId) return call;
    return undefined;
  }

  all(): WaitingCall[] {
    return [...this.byChannel.values()];
  }

  /** Plays a sentence over a pause in the music; false when Asterisk refused (treat it as played). */
  async play(call: WaitingCall, text: string, after: AfterPlayback): Promise<boolean> {
    const { telephony, prompts, logger } = this.deps;
    await this.stopPlayback(call);
    await this.stopMusic(call);
    const playbackId = newId();
    call.playback = { id: playbackId, after };
    try {
      await telephony.play(call.channelId, [await prompts.mediaOf(text, call.language)], playbackId);
      return true;
    } catch (error) {
      logger.warn({ err: error, callId: call.callId }, 'prompt not played');
      call.playback = undefined;
      return false;
    }
  }

  async stopPlayback(call: WaitingCall): Promise<void> {
    const playback = call.playback;
    call.playback = undefined;
    if (playback) await this.deps.telephony.stopPlayback(playback.id).catch(() => undefined);
  }

  async startMusic(call: WaitingCall): Promise<void> {
    if (call.isMohOn) return;
    call.isMohOn = true;
    await this.deps.telephony.startMusicOnHold(call.channelId).catch((error: unknown) => {
      call.isMohOn = false;
      this.deps.logger.warn({ err: error, callId: call.callId }, 'music on hold did not start');
    });
  }

  async stopMusic(call: WaitingCall): Promise<void> {
    if (!call.isMohOn) return;
    call.isMohOn = false;
    await this.deps.telephony.stopMusicOnHold(call.channelId).catch(() => undefined);
  }

  /** Hangs the caller up; the channel's end then ends the call and any live entry. */
  async leave(call: WaitingCall): Promise<void> {
    call.phase = 'leaving';
    await this.deps.telephony.hangup(call.channelId).catch(() => undefined);
  }
}
