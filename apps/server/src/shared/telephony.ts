/**
 * What a PBX reports about calls, already stripped of Asterisk's vocabulary. Shared so the
 * calls module (which consumes it) and the Asterisk integration (which produces it) agree
 * on one definition without importing each other.
 */
export type TelephonyEvent =
  | {
      kind: 'channel_entered';
      channelId: string;
      args: string[];
      callerNumber: string;
      dialedExtension: string;
      asteriskUniqueId: string;
      at: Date;
    }
  | { kind: 'channel_ringing'; channelId: string; at: Date }
  | { kind: 'channel_answered'; channelId: string; at: Date }
  | { kind: 'channel_left'; channelId: string; at: Date }
  /** A phone transferred the call itself (SIP REFER, feature code): `channelId` is the transferer. */
  | { kind: 'channel_transferred'; channelId: string; destination: string; at: Date }
  | { kind: 'channel_ended'; channelId: string; cause: number | null; causeText: string | null; at: Date }
  | { kind: 'recording_finished'; recordingName: string; durationSeconds: number | null; at: Date }
  | { kind: 'recording_failed'; recordingName: string; at: Date }
  /** One DTMF digit the caller pressed (at the end of the digit). */
  | { kind: 'channel_dtmf'; channelId: string; digit: string; at: Date }
  /** A sound played to a channel is over (`isFailed`: the media could not be played). */
  | { kind: 'playback_finished'; playbackId: string; channelId: string | null; isFailed: boolean; at: Date };
