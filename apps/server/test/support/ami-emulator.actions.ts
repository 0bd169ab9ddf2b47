/**
 * What the AMI emulator answers to each action, field for field in Asterisk 22.10.1's order
 * (test/fixtures/asterisk/ami/ami-0N-*.rx.txt, cited by file and ActionID).
 */
export type Fields = [string, string][];

export interface AmiEmulatorChannel {
  name: string;
  uniqueid: string;
  linkedid: string;
  state: number;
  stateDesc: string;
  callerIdNum: string;
  callerIdName: string;
  context: string;
  exten: string;
  priority: number;
  application: string;
  applicationData: string;
  variables: Map<string, string>;
}

/** How a scripted Originate ends: `Reason` 4 answered, 0 failed, 1 hung up, 3 no answer, 5 busy, 8 congestion. */
export interface OriginateScript {
  reason: number;
  delayMs?: number;
}

/** An action as received: fields in order, keys as the client wrote them. */
export class ReceivedAction {
  readonly fields: Fields;
  readonly raw: string;

  constructor(fields: Fields, raw: string) {
    this.fields = fields;
    this.raw = raw;
  }

  /** Asterisk reads headers case-insensitively (ami-04 `action: ping`). */
  get(key: string): string | undefined {
    return this.fields.find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
  }

  getAll(key: string): string[] {
    return this.fields.filter(([name]) => name.toLowerCase() === key.toLowerCase()).map(([, value]) => value);
  }
}

export function formatBlock(fields: Fields): string {
  return fields.map(([key, value]) => `${key}: ${value}\r\n`).join('') + '\r\n';
}

/** `Response: …`, then `ActionID` only when the action had one (ami-01 Ping without ActionID). */
export function response(action: ReceivedAction, status: string, rest: Fields): string {
  const actionId = action.get('ActionID');
  return formatBlock([
    ['Response', status],
    ...(actionId === undefined ? [] : [['ActionID', actionId] as [string, string]]),
    ...rest,
  ]);
}

export function error(action: ReceivedAction, message: string): string {
  return response(action, 'Error', [['Message', message]]);
}

export function pingResponse(action: ReceivedAction): string {
  const now = Date.now();
  const timestamp = `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, '0')}`;
  return response(action, 'Success', [
    ['Ping', 'Pong'],
    ['Timestamp', timestamp],
  ]);
}

export function loginEvents(remotePort: number): string {
  const now = new Date().toISOString().replace('Z', '+0000');
  return (
    formatBlock([
      ['Event', 'FullyBooted'],
      ['Privilege', 'system,all'],
      ['Uptime', '358'],
      ['LastReload', '358'],
      ['Status', 'Fully Booted'],
    ]) +
    formatBlock([
      ['Event', 'SuccessfulAuth'],
      ['Privilege', 'security,all'],
      ['EventTV', now],
      ['Severity', 'Informational'],
      ['Service', 'AMI'],
      ['EventVersion', '1'],
      ['AccountID', 'ami'],
      ['SessionID', '0x7f8cd00609e0'],
      ['LocalAddress', 'IPV4/TCP/127.0.0.1/5038'],
      ['RemoteAddress', `IPV4/TCP/127.0.0.1/${remotePort}`],
      ['UsingPassword', '0'],
      ['SessionTV', now],
    ])
  );
}

function channelFields(channel: AmiEmulatorChannel): Fields {
  return [
    ['Channel', channel.name],
    ['ChannelState', String(channel.state)],
    ['ChannelStateDesc', channel.stateDesc],
    ['CallerIDNum', channel.callerIdNum],
    ['CallerIDName', channel.callerIdName],
    ['ConnectedLineNum', channel.callerIdNum],
    ['ConnectedLineName', channel.callerIdName],
    ['Language', 'en'],
    ['AccountCode', ''],
    ['Context', channel.context],
    ['Exten', channel.exten],
    ['Priority', String(channel.priority)],
    ['Uniqueid', channel.uniqueid],
    ['Linkedid', channel.linkedid],
  ];
}

/** ami-02 csc-2: start, one `CoreShowChannel` per channel, then `CoreShowChannelsComplete`. */
export function coreShowChannels(action: ReceivedAction, channels: AmiEmulatorChannel[]): string {
  const actionId = action.get('ActionID') ?? '';
  let text = response(action, 'Success', [
    ['EventList', 'start'],
    ['Message', 'Channels will follow'],
  ]);
  for (const channel of channels) {
    text += formatBlock([
      ['Event', 'CoreShowChannel'],
      ['ActionID', actionId],
      ...channelFields(channel),
      ['Application', channel.application],
      ['ApplicationData', channel.applicationData],
      ['Duration', '00:00:01'],
      ['BridgeId', ''],
    ]);
  }
  return (
    text +
    formatBlock([
      ['Event', 'CoreShowChannelsComplete'],
      ['ActionID', actionId],
      ['EventList', 'Complete'],
      ['ListItems', String(channels.length)],
    ])
  );
}

/** ami-01 cs-1. */
export function coreStatus(action: ReceivedAction, channelCount: number): string {
  return response(action, 'Success', [
    ['CoreStartupDate', '2026-11-23'],
    ['CoreStartupTime', '12:35:22'],
    ['CoreReloadDate', '2026-11-23'],
    ['CoreReloadTime', '12:35:22'],
    ['CoreCurrentCalls', String(channelCount)],
    ['CoreProcessedCalls', '30'],
  ]);
}

/**
 * ami-04 ok-16 and bad-13: CLI output as `Output:` lines in a normal block; an unknown
 * command still says "Command output follows", with `Response: Error`. Only `core show
 * version` is known here.
 */
export function command(action: ReceivedAction): string {
  const cli = action.get('Command') ?? '';
  if (cli === 'core show version') {
    return response(action, 'Success', [
      ['Message', 'Command output follows'],
      ['Output', 'Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-23 12:25:36 UTC'],
    ]);
  }
  const words = cli.split(' ');
  const help = `No such command '${cli}' (type 'core show help ${words.slice(0, 2).join(' ')}' for other possible commands)`;
  return response(action, 'Error', [
    ['Message', 'Command output follows'],
    ['Output', help],
  ]);
}

/** ami-02 seq 67: the `Hangup` event. */
export function hangupEvent(channel: AmiEmulatorChannel, cause: number): string {
  return formatBlock([
    ['Event', 'Hangup'],
    ['Privilege', 'call,all'],
    ...channelFields(channel),
    ['Cause', String(cause)],
    ['Cause-txt', cause === 16 ? 'Normal Clearing' : 'Unknown'],
  ]);
}

/** ami-02 hangup-cleanup: `Hangup` with a `/regex/` channel answers as a list. */
export function hangupList(action: ReceivedAction, channels: AmiEmulatorChannel[]): string {
  const actionId = action.get('ActionID') ?? '';
  let text = response(action, 'Success', [
    ['EventList', 'start'],
    ['Message', 'Channels hung up will follow'],
  ]);
  for (const channel of channels) {
    text += formatBlock([
      ['Event', 'ChannelHungup'],
      ['ActionID', actionId],
      ['Channel', channel.name],
    ]);
  }
  return (
    text +
    formatBlock([
      ['Event', 'ChannelsHungupListComplete'],
      ['ActionID', actionId],
      ['EventList', 'Complete'],
      ['ListItems', String(channels.length)],
    ])
  );
}

/** ami-02 orig-1 (answered) and orig-2/3/4 (failed: the dial string and `<unknown>` ids). */
export function originateResponse(
  action: ReceivedAction,
  reason: number,
  channel: AmiEmulatorChannel | undefined,
): string {
  const destination: Fields =
    action.get('Application') !== undefined
      ? [
          ['Application', action.get('Application') ?? ''],
          ['Data', action.get('Data') ?? ''],
        ]
      : [
          ['Context', action.get('Context') ?? ''],
          ['Exten', action.get('Exten') ?? ''],
        ];
  const actionId = action.get('ActionID');
  return formatBlock([
    ['Event', 'OriginateResponse'],
    ['Privilege', 'call,all'],
    ...(actionId === undefined ? [] : [['ActionID', actionId] as [string, string]]),
    ['Response', channel ? 'Success' : 'Failure'],
    ['Channel', channel ? channel.name : (action.get('Channel') ?? '')],
    ...destination,
    ['Reason', String(reason)],
    ['Uniqueid', channel ? channel.uniqueid : '<unknown>'],
    ['CallerIDNum', channel ? channel.callerIdNum : '<unknown>'],
    ['CallerIDName', channel ? channel.callerIdName : '<unknown>'],
  ]);
}

/** manager.c man_do_variable_value: each `Variable:` value is split on commas (ami-02 orig-1). */
export function originateVariables(action: ReceivedAction): Map<string, string> {
  const variables = new Map<string, string>();
  for (const header of action.getAll('Variable')) {
    for (const pair of header.split(',')) {
      const [name, ...value] = pair.split('=');
      if (name && value.length > 0) variables.set(name, value.join('='));
    }
  }
  return variables;
}

export function parseCallerId(callerId: string | undefined): { name: string; number: string } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$/.exec(callerId ?? '');
  if (match) return { name: match[1] ?? '', number: match[2] ?? '' };
  return { name: '<unknown>', number: callerId ?? '<unknown>' };
}
