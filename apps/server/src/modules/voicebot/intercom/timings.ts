/** Every wait in an intercom call has a bound; tests shorten them all. */
export interface IntercomTimings {
  /** The visitor or resident says or types nothing for this long after a question. */
  listenTimeoutMs: number;
  interDigitTimeoutMs: number;
  /** Questions asked again after silence, per question. */
  silenceRetries: number;
  /** Tries at naming a unit the bot can find. */
  destinationAttempts: number;
  decisionAttempts: number;
  maxDigits: number;
  nameRecordingMaxMs: number;
  ttsTimeoutMs: number;
  sttTimeoutMs: number;
  understandingTimeoutMs: number;
  /** Added to a prompt's own length before the say task gives up on it. */
  playbackMarginMs: number;
  /** The PBX must accept the dial request within this. */
  dialTimeoutMs: number;
  /** The resident's leg must come up within this after dialling. */
  ringTimeoutMs: number;
  /** Residents of the unit rung in turn, by priority, when one does not answer or cannot be called. */
  residentAttempts: number;
  /** The resident and the visitor talking to each other (key 3), at most this long in all. */
  talkMaxMs: number;
  /** After our KIND_HANGUP, how long to wait for the leg to close. */
  hangupGraceMs: number;
  /** The whole call, a safety net. */
  maxCallMs: number;
  /** The final prompts and hangups after the call is decided. */
  wrapUpTimeoutMs: number;
  /** A resolved visitor whose session never starts is forgotten after this. */
  sessionStartTimeoutMs: number;
  vadHangoverMs: number;
  vadMinUtteranceMs: number;
  maxUtteranceMs: number;
}

export const DEFAULT_TIMINGS: IntercomTimings = {
  listenTimeoutMs: 7000,
  interDigitTimeoutMs: 3000,
  silenceRetries: 1,
  destinationAttempts: 3,
  decisionAttempts: 2,
  maxDigits: 6,
  nameRecordingMaxMs: 4000,
  ttsTimeoutMs: 5000,
  sttTimeoutMs: 8000,
  understandingTimeoutMs: 6000,
  playbackMarginMs: 3000,
  dialTimeoutMs: 10_000,
  ringTimeoutMs: 30_000,
  residentAttempts: 2,
  talkMaxMs: 120_000,
  hangupGraceMs: 3000,
  maxCallMs: 5 * 60_000,
  wrapUpTimeoutMs: 30_000,
  sessionStartTimeoutMs: 5000,
  vadHangoverMs: 700,
  vadMinUtteranceMs: 200,
  maxUtteranceMs: 10_000,
};
