/** Parameters of the ARI calls that take many, and how they become a query string. */
import { AriInvalidRequestError } from './ari.errors.js';

/** The `reason` values `DELETE /channels/{id}` accepts; anything else is a 400 `Invalid reason for hangup reason provided` (113). */
export type AriHangupReason =
  | 'normal'
  | 'busy'
  | 'congestion'
  | 'no_answer'
  | 'timeout'
  | 'rejected'
  | 'unallocated'
  | 'normal_unspecified'
  | 'number_incomplete'
  | 'codec_mismatch'
  | 'interworking'
  | 'failure'
  | 'answered_elsewhere';

export interface AriOriginateParams {
  /** `PJSIP/1001`, `Local/100@cc-test`; a value without `/` is a 400 (020). */
  endpoint: string;
  /**
   * Always chosen by us, so that every event, the AMI view and our call record share it.
   * Asterisk answers 409 if it is already in use (024).
   */
  asteriskChannelId: string;
  /** Id of the `;2` half of a Local channel; Asterisk uses `<asteriskChannelId>;2` when absent (s08–s10). */
  otherAsteriskChannelId?: string;
  /** Stasis application to enter once answered; either this or `extension` is required (018). */
  app?: string;
  /** Arrive as `StasisStart.args`, split on commas by Asterisk, so no element may contain one. */
  appArgs?: readonly string[];
  context?: string;
  extension?: string;
  priority?: number;
  label?: string;
  /** `"Name" <number>` */
  callerId?: string;
  timeoutSeconds?: number;
  variables?: Record<string, string>;
  originatorAsteriskChannelId?: string;
  formats?: string;
}

export type AriCreateChannelParams = Omit<
  AriOriginateParams,
  'app' | 'context' | 'extension' | 'priority' | 'label' | 'callerId' | 'timeoutSeconds'
> & { app: string };

export interface AriRecordParams {
  name: string;
  /**
   * Required, and not only on paper: `POST /bridges/{id}/record` without it segfaults
   * Asterisk 22.10.1 (ari-rest/900, resource_bridges.c passes NULL to
   * ast_get_format_for_file_ext). The channel variant answers a clean 422 (901).
   */
  format: string;
  maxDurationSeconds?: number;
  maxSilenceSeconds?: number;
  ifExists?: 'fail' | 'overwrite' | 'append';
  beep?: boolean;
  terminateOn?: 'none' | 'any' | '*' | '#';
}

export interface AriPlayParams {
  /** `sound:`, `tone:`, `digits:`, `recording:`… A list plays in order. `digits:` cannot be stopped (903). */
  media: string | readonly string[];
  playbackId?: string;
  lang?: string;
  offsetMs?: number;
  skipMs?: number;
}

export interface AriExternalMediaParams {
  app: string;
  asteriskChannelId?: string;
  /** `host:port` (110); the AudioSocket server when `encapsulation` is `audiosocket`. */
  externalHost: string;
  format: string;
  encapsulation?: 'rtp' | 'audiosocket';
  transport?: 'udp' | 'tcp';
  /** For AudioSocket, the session UUID (108: required). */
  data?: string;
  direction?: 'both';
  variables?: Record<string, string>;
}

export function toVariablesBody(
  variables: Record<string, string> | undefined,
): { variables: Record<string, string> } | undefined {
  return variables === undefined ? undefined : { variables };
}

export function joinAppArgs(appArgs: readonly string[], method: string, path: string): string {
  if (appArgs.some((arg) => arg.includes(','))) {
    throw new AriInvalidRequestError({
      method,
      path,
      status: 0,
      asteriskMessage: 'an appArgs element contains a comma; Asterisk would split it into two StasisStart args',
    });
  }
  return appArgs.join(',');
}

export function toPlayQuery(params: AriPlayParams) {
  const media = typeof params.media === 'string' ? params.media : params.media.join(',');
  return { media, playbackId: params.playbackId, lang: params.lang, offsetms: params.offsetMs, skipms: params.skipMs };
}

export function toRecordQuery(params: AriRecordParams, path: string) {
  if (typeof params.format !== 'string' || params.format.length === 0) {
    throw new AriInvalidRequestError({
      method: 'POST',
      path,
      status: 0,
      asteriskMessage: 'format is required (Asterisk 22.10.1 crashes on a bridge record without it)',
    });
  }
  return {
    name: params.name,
    format: params.format,
    maxDurationSeconds: params.maxDurationSeconds,
    maxSilenceSeconds: params.maxSilenceSeconds,
    ifExists: params.ifExists,
    beep: params.beep,
    terminateOn: params.terminateOn,
  };
}
