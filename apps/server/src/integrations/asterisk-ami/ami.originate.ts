/**
 * Async Originate: the action is answered at once (`Originate successfully queued`) and the
 * result comes later as an `OriginateResponse` *event* carrying the same ActionID (ami-02).
 */
import { AmiInvalidArgumentError } from './ami.errors.js';
import type { AmiField, AmiMessage } from './ami.protocol.js';

export type AmiOriginateOutcome = 'answered' | 'no_answer' | 'busy' | 'congestion' | 'failed';

/**
 * `Reason` is the last AST_CONTROL_* frame seen while dialing (main/channel.c
 * __ast_request_and_dial): 0 none (the channel could not be made or the extension does not
 * exist, ami-02 orig-2), 1 HANGUP (the far end hung up before answering, e.g. declined),
 * 3 RINGING (it rang until Timeout, orig-4), 4 ANSWER, 5 BUSY (orig-3), 8 CONGESTION.
 */
export function mapOriginateReason(reasonCode: number): AmiOriginateOutcome {
  switch (reasonCode) {
    case 4:
      return 'answered';
    case 1:
    case 2:
    case 3:
      return 'no_answer';
    case 5:
      return 'busy';
    case 8:
      return 'congestion';
    default:
      return 'failed';
  }
}

interface AmiOriginateBase {
  /** Dial string of the first leg: `PJSIP/1001`, `Local/200@cc-test`. */
  channel: string;
  /**
   * Uniqueid of the first leg. Set by us so that the ARI events of the same call (with
   * subscribeAll) and our call record use one id; generated when absent.
   */
  asteriskChannelId?: string;
  /** Uniqueid of the `;2` half of a Local channel (ami-02: `ami-orig-1-peer`). */
  otherAsteriskChannelId?: string;
  /** `"Name" <number>` */
  callerId?: string;
  /** How long the first leg may ring, in ms. Asterisk's default is 30 s. */
  timeoutMs?: number;
  /** Set on the first leg. See `formatOriginateVariable` for the characters refused. */
  variables?: Record<string, string>;
  account?: string;
  isEarlyMedia?: boolean;
}

/** Once the first leg answers, it goes to a dialplan location… */
export interface AmiOriginateToExtension extends AmiOriginateBase {
  context: string;
  exten: string;
  priority: number;
}

/** …or runs one application. */
export interface AmiOriginateToApplication extends AmiOriginateBase {
  application: string;
  data?: string;
}

export type AmiOriginateParams = AmiOriginateToExtension | AmiOriginateToApplication;

export interface AmiOriginateResult {
  outcome: AmiOriginateOutcome;
  reasonCode: number;
  asteriskChannelId: string;
  otherAsteriskChannelId: string | undefined;
  /** `Local/200@cc-test-00000020;1` when answered; on failure Asterisk repeats the dial string. */
  channelName: string;
  /** The OriginateResponse event as received. */
  event: AmiMessage;
}

/**
 * man_do_variable_value (main/manager.c) splits a `Variable:` value with
 * AST_STANDARD_APP_ARGS: a comma starts another variable (`CC_PRIORITY=5,CC_LANG=en` set
 * both, ami-02) and quotes and backslashes are consumed. Rather than guess that escaping,
 * such values are refused; set them afterwards with Setvar, which takes the value whole.
 */
export function formatOriginateVariable(name: string, value: string): string {
  if (!/^[A-Za-z0-9_()]+$/.test(name))
    throw new AmiInvalidArgumentError(`Originate variable name not allowed: ${name}`);
  if (/[,"\\]/.test(value)) {
    throw new AmiInvalidArgumentError(`Originate variable ${name} contains a comma, quote or backslash`);
  }
  return `${name}=${value}`;
}

export function buildOriginateFields(
  params: AmiOriginateParams,
  ids: { asteriskChannelId: string; otherAsteriskChannelId: string | undefined },
): AmiField[] {
  const fields: AmiField[] = [['Channel', params.channel]];
  if ('application' in params) {
    fields.push(['Application', params.application]);
    if (params.data !== undefined) fields.push(['Data', params.data]);
  } else {
    fields.push(['Context', params.context], ['Exten', params.exten], ['Priority', String(params.priority)]);
  }
  if (params.callerId !== undefined) fields.push(['CallerID', params.callerId]);
  if (params.timeoutMs !== undefined) fields.push(['Timeout', String(params.timeoutMs)]);
  if (params.account !== undefined) fields.push(['Account', params.account]);
  if (params.isEarlyMedia !== undefined) fields.push(['EarlyMedia', params.isEarlyMedia ? 'true' : 'false']);
  fields.push(['Async', 'true'], ['ChannelId', ids.asteriskChannelId]);
  if (ids.otherAsteriskChannelId !== undefined) fields.push(['OtherChannelId', ids.otherAsteriskChannelId]);
  for (const [name, value] of Object.entries(params.variables ?? {})) {
    fields.push(['Variable', formatOriginateVariable(name, value)]);
  }
  return fields;
}

export function readOriginateResponse(
  event: AmiMessage,
  ids: { asteriskChannelId: string; otherAsteriskChannelId: string | undefined },
): AmiOriginateResult {
  const reasonCode = Number.parseInt(event.get('Reason') ?? '', 10);
  const outcome = Number.isNaN(reasonCode) ? 'failed' : mapOriginateReason(reasonCode);
  return {
    // A `Response: Failure` with an unknown Reason is still a failure.
    outcome: event.get('Response') === 'Failure' && outcome === 'answered' ? 'failed' : outcome,
    reasonCode: Number.isNaN(reasonCode) ? -1 : reasonCode,
    asteriskChannelId: ids.asteriskChannelId,
    otherAsteriskChannelId: ids.otherAsteriskChannelId,
    channelName: event.get('Channel') ?? '',
    event,
  };
}
