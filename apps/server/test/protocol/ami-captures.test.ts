/**
 * The AMI parser and the AMI emulator held to the captures of Asterisk 22.10.1: the parser
 * must read every captured byte stream, however it is cut into reads, into the messages of
 * the parsed capture; the emulator, sent the captured actions, must answer with the
 * captured fields, in the captured order.
 */
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AmiParser, type AmiFrame, type AmiMessage } from '../../src/integrations/asterisk-ami/index.js';
import { AmiEmulator } from '../support/ami-emulator.js';
import { ARI_FIXTURES_DIR } from '../support/ari-emulator.js';
import { waitUntil } from '../support/asterisk-test-helpers.js';

interface CapturedLine {
  seq: number;
  dir: 'rx' | 'tx';
  kind: string;
  raw?: string;
  fields?: [string | null, string][];
}

const SESSIONS = [
  'ami-01-login-ping-coreshowchannels',
  'ami-02-originate-events-redirect-hangup',
  'ami-03-failed-login',
  'ami-04-malformed-and-error-actions',
];

function capturedLines(session: string): CapturedLine[] {
  return readFileSync(`${ARI_FIXTURES_DIR}ami/${session}.jsonl`, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as CapturedLine);
}

function describeFrame(frame: AmiFrame): unknown {
  return frame.kind === 'banner' ? `banner ${frame.version}` : frame.message.fields;
}

function expectedFrames(session: string): unknown[] {
  return capturedLines(session)
    .filter((line) => line.dir === 'rx' && (line.kind === 'banner' || line.fields !== undefined))
    .map((line) => (line.kind === 'banner' ? 'banner 11.0.0' : line.fields));
}

/** A fixed pseudo-random sequence, so a failing cut can be reproduced. */
function chunkSizes(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return 1 + (state % 97);
  };
}

describe('the AMI parser reads every captured session', () => {
  it.each(SESSIONS)('%s, in one read, byte by byte, and in random cuts', (session) => {
    const bytes = readFileSync(`${ARI_FIXTURES_DIR}ami/${session}.rx.txt`);
    const expected = expectedFrames(session);
    expect(new AmiParser().push(bytes).map(describeFrame)).toEqual(expected);
    for (const nextSize of [() => 1, chunkSizes(7), chunkSizes(1_234)]) {
      const parser = new AmiParser();
      const frames: AmiFrame[] = [];
      for (let offset = 0; offset < bytes.length;) {
        const size = nextSize();
        frames.push(...parser.push(bytes.subarray(offset, offset + size)));
        offset += size;
      }
      expect(frames.map(describeFrame)).toEqual(expected);
    }
  });
});

/** Values that change with every run or every connection. */
const VARYING_KEYS = new Set([
  'Timestamp',
  'EventTV',
  'SessionTV',
  'SessionID',
  'RemoteAddress',
  'Uptime',
  'LastReload',
]);

function comparable(fields: readonly (readonly [string | null, string])[]): [string | null, string][] {
  return fields.map(([key, value]) => [key, key !== null && VARYING_KEYS.has(key) ? '<varies>' : value]);
}

/** What an action is answered with: responses, messages with its ActionID, and the login events. */
function belongsToAction(fields: readonly (readonly [string | null, string])[], actionId: string | undefined): boolean {
  const get = (key: string) => fields.find(([name]) => name === key)?.[1];
  if (get('Event') === 'FullyBooted' || get('Event') === 'SuccessfulAuth') return true;
  if (get('Event') === undefined) return true;
  return actionId !== undefined && get('ActionID') === actionId;
}

interface ReplayOptions {
  /** ActionIDs of actions the emulator does not implement (CLI `Command`s, ListCommands). */
  skip?: string[];
  /** Puts the emulator in the state Asterisk was in before an action. */
  before?: Record<string, (emulator: AmiEmulator) => void>;
}

async function replaySession(emulator: AmiEmulator, session: string, options: ReplayOptions = {}) {
  const socket = new Socket();
  const parser = new AmiParser();
  const received: AmiMessage[] = [];
  let banner: string | undefined;
  let isClosed = false;
  socket.on('data', (chunk) => {
    for (const frame of parser.push(chunk)) {
      if (frame.kind === 'banner') banner = frame.version;
      else received.push(frame.message);
    }
  });
  socket.on('close', () => (isClosed = true));
  await new Promise<void>((resolve) => socket.connect(emulator.port, '127.0.0.1', resolve));
  await waitUntil(() => banner !== undefined);
  expect(banner).toBe('11.0.0');
  const lines = capturedLines(session);
  let consumed = 0;
  for (const [index, line] of lines.entries()) {
    if (line.dir !== 'tx' || line.kind !== 'action' || line.raw === undefined) continue;
    // A captured garbage line has a null key (ami-04 bad-3).
    const actionId = line.fields?.find(([key]) => key?.toLowerCase() === 'actionid')?.[1];
    if (actionId !== undefined && options.skip?.includes(actionId)) continue;
    const nextTx = lines.findIndex((other, at) => at > index && other.dir === 'tx');
    const answers = lines.slice(index + 1, nextTx === -1 ? undefined : nextTx);
    const expected = answers.filter((answer) => answer.fields && belongsToAction(answer.fields, actionId));
    if (actionId !== undefined) options.before?.[actionId]?.(emulator);
    socket.write(line.raw);
    const matching = () => received.slice(consumed).filter((message) => belongsToAction(message.fields, actionId));
    await waitUntil(() => matching().length >= expected.length, 3_000, `answer to ${actionId ?? line.raw}`);
    expect(matching().map((message) => comparable(message.fields))).toEqual(
      expected.map((answer) => comparable(answer.fields ?? [])),
    );
    consumed = received.length;
    if (answers.some((answer) => answer.kind === 'connection-closed-by-asterisk')) {
      await waitUntil(() => isClosed, 3_000, 'Asterisk closing the connection');
      return;
    }
  }
  socket.destroy();
}

describe('the AMI emulator answers the captured actions as Asterisk 22.10.1 did', () => {
  let emulator: AmiEmulator;

  beforeEach(async () => {
    emulator = await AmiEmulator.start({ failedLoginDelayMs: 10 });
  });
  afterEach(async () => {
    await emulator.close();
  });

  it('ami-01: login, ping with and without ActionID, an empty CoreShowChannels, CoreStatus, logoff', async () => {
    await replaySession(emulator, 'ami-01-login-ping-coreshowchannels');
  });

  it('ami-03: a failed login is answered, then the connection is closed', async () => {
    await replaySession(emulator, 'ami-03-failed-login');
  });

  it('ami-04: actions before login, unknown and malformed actions, lenient parsing, errors', async () => {
    await replaySession(emulator, 'ami-04-malformed-and-error-actions', { skip: ['ok-17'] });
  });

  it('ami-02: async originates answered and failed, list actions, Getvar, Redirect, Hangup', async () => {
    emulator.originateScript = (action) => {
      const reasons: Record<string, number> = {
        'Local/999@cc-test': 0,
        'Local/700@cc-test': 5,
        'Local/710@cc-test': 3,
      };
      return { reason: reasons[action.get('Channel') ?? ''] ?? 4 };
    };
    await replaySession(emulator, 'ami-02-originate-events-redirect-hangup', {
      skip: ['cmd-1', 'cmd-2'],
      before: {
        // By then the dialplan had moved both halves on (Playback and Wait at priority 2).
        'csc-2': (ami) => {
          const first = ami.channels.get('Local/200@cc-test-00000020;1')!;
          const second = ami.channels.get('Local/200@cc-test-00000020;2')!;
          Object.assign(first, { priority: 2, application: 'Wait', applicationData: '60' });
          Object.assign(second, { priority: 2, application: 'Playback', applicationData: 'demo-congrats' });
          ami.channels.clear();
          ami.channels.set(second.name, second).set(first.name, first);
        },
        // The Local/600 legs of orig-5 had already ended when the cleanup ran.
        'hangup-cleanup': (ami) => {
          for (const name of [...ami.channels.keys()]) if (name.startsWith('Local/600@')) ami.channels.delete(name);
        },
      },
    });
  });
});
