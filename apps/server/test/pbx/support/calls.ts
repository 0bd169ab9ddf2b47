/** What the scenarios ask of Switchboard and check about its calls. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Envelope } from '../../support/socket.js';
import type { PbxHarness } from './harness.js';
import { waitUntil } from './processes.js';

/** A Brazilian mobile in the kit's national format; it leaves through the trunk as E.164. */
export const CUSTOMER_NUMBER = '+55 11 98765-4321';
export const CUSTOMER_E164 = '5511987654321';

export async function callOf(pbx: PbxHarness, token: string, callId: string): Promise<any> {
  return (await pbx.api.request('GET', `/api/calls/${callId}`, { token })).body;
}

export async function waitForCall(
  pbx: PbxHarness,
  token: string,
  callId: string,
  status: string,
  timeoutMs = 30_000,
): Promise<any> {
  let call: any;
  await waitUntil(
    async () => {
      call = await callOf(pbx, token, callId);
      return call?.status === status;
    },
    timeoutMs,
    `call ${callId} to be ${status} (last seen: ${JSON.stringify(call?.status)})`,
    200,
  );
  return call;
}

export function eventsOf(received: Envelope[], callId: string): string[] {
  return received.filter((event) => event.data?.call_id === callId).map((event) => event.event);
}

/** Asterisk's channels right now (`core show channels concise`), one line each. */
export function channels(pbx: PbxHarness): string[] {
  return pbx.asterisk
    .cli('core show channels concise')
    .split('\n')
    .filter((line) => line.includes('!'));
}

/**
 * sox's `stat` of a WAV file: the RMS amplitude (0 for silence, ~0.35 for the tones the
 * SIPp phones send at half scale) and the length in seconds.
 */
export function audioStats(wav: Buffer): { rms: number; seconds: number } {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-sox-'));
  try {
    const path = join(dir, 'audio.wav');
    writeFileSync(path, wav);
    const result = spawnSync('sox', [path, '-n', 'stat'], { encoding: 'utf8' });
    const number = (label: string) => Number(new RegExp(`${label}:\\s+(-?[0-9.]+)`).exec(result.stderr)?.[1] ?? NaN);
    return { rms: number('RMS\\s+amplitude'), seconds: number('Length \\(seconds\\)') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The SIP messages of a SIPp trace whose first line matches `startLine` (e.g. `/^INVITE /`). */
export function sipMessages(trace: string, startLine: RegExp): string[] {
  return trace
    .split(/-{10,}.*\n/)
    .map((block) => block.replace(/^(UDP|TCP) message (sent|received)[^\n]*\n/m, '').trim())
    .filter((block) => startLine.test(block.split('\n')[0] ?? ''));
}

export function header(message: string, name: string): string | undefined {
  return new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(message)?.[1]?.trim();
}
