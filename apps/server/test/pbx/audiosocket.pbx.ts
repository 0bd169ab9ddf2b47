/**
 * The AudioSocket path on a real Asterisk: a call from the carrier to a number mapped to
 * `sb-to-voicebot` reaches Switchboard's AudioSocket server; `/api/status` shows the live
 * session with the caller's audio arriving, and `/api/hangup` sends KIND_HANGUP, after
 * which AudioSocket() returns and the kit's dialplan goes on to hang the call up. With the
 * company's intercom UUID the bot answers, and its speech reaches the caller (recorded on
 * the caller's channel with MixMonitor and measured).
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROMPTS } from '../../src/modules/voicebot/intercom/prompts.js';
import { audioStats } from './support/calls.js';
import { startPbxHarness, type PbxHarness } from './support/harness.js';
import { waitUntil } from './support/processes.js';
import { Sipp } from './support/sipp.js';

const API_KEY = 'pbx-suite-voicebot-api-key-0123456789abcdef';
const DID = '551130002000';

describe.skipIf(inject('pbxSkipReason'))('AudioSocket sessions on a real Asterisk', () => {
  let pbx: PbxHarness;

  beforeAll(async () => {
    pbx = await startPbxHarness({ env: { VOICEBOT_API_KEY: API_KEY } });
  });
  afterAll(async () => {
    await pbx?.close();
  });

  const status = async () =>
    (await pbx.api.request('GET', '/api/status', { headers: { 'x-api-key': API_KEY } })).body as {
      sessions: { call_id: string; role: string; frames_in: number; sample_rate_hz: number }[];
      count: number;
    };

  it('shows the live session in /api/status and ends it with /api/hangup; the dialplan goes on', async () => {
    // Not an intercom's UUID: a plain session, without the bot.
    const uuid = randomUUID();
    pbx.asterisk.mapDid(DID, `sb-to-voicebot,s,1(${uuid},)`);
    const caller = await Sipp.start({
      scenario: 'call-wait',
      port: pbx.carrierUacPort,
      remote: pbx.sipAddress,
      service: DID,
      keys: { caller: '11987654321' },
    });

    await waitUntil(async () => (await status()).count === 1, 15_000, 'the AudioSocket session');
    const [session] = (await status()).sessions;
    // The caller's audio reaches Switchboard as 8 kHz signed linear (AudioSocket()).
    await waitUntil(
      async () => ((await status()).sessions[0]?.frames_in ?? 0) > 25,
      10_000,
      'the caller’s audio to arrive',
    );
    expect((await status()).sessions[0]?.sample_rate_hz).toBe(8000);

    const hangup = await pbx.api.request('POST', '/api/hangup', {
      headers: { 'x-api-key': API_KEY },
      body: { call_id: session!.call_id, role: session!.role },
    });
    expect(hangup.status).toBe(200);
    expect(hangup.body).toMatchObject({ status: 'sent', call_id: session!.call_id });

    // The caller is hung up by the dialplan after AudioSocket() returned normally.
    await caller.succeeded();
    await waitUntil(async () => (await status()).count === 0, 10_000, 'the session to end');
    const dialplan = readFileSync(join(pbx.asterisk.dir, 'log', 'full.log'), 'utf8');
    expect(dialplan).toMatch(new RegExp(`Executing \\[s@sb-to-voicebot:\\d+\\][^\\n]*Return\\(`));
    expect(dialplan).toMatch(new RegExp(`Executing \\[${DID}@switchboard-dids:2\\][^\\n]*Hangup\\(`));
    expect(pbx.asterisk.logLines().filter((line) => /audiosocket/i.test(line))).toEqual([]);
  });

  it('the intercom bot answers with speech the caller hears', async () => {
    const admin = await pbx.api.adminToken();
    const settings = await pbx.api.request('GET', '/api/voicebot/settings', { token: admin });
    expect(settings.status).toBe(200);
    const intercomUuid: string = settings.body.intercom_uuid;
    // Test-only: what Asterisk sends the caller (MixMonitor's t() feed), recorded from
    // before the channel joins the bot. The caller itself sends silence.
    pbx.asterisk.addDialplan(
      [
        '[test-visitor]',
        'exten => s,1,MixMonitor(visitor-${UNIQUEID}.wav,t(visitor-heard-${UNIQUEID}.wav))',
        ` same => n,Gosub(sb-to-voicebot,s,1(${intercomUuid},))`,
        ' same => n,Return()',
      ].join('\n'),
    );
    pbx.asterisk.mapDid('551130003000', 'test-visitor,s,1');
    const visitor = await Sipp.start({
      scenario: 'call',
      port: pbx.carrierUacPort,
      remote: pbx.sipAddress,
      service: '551130003000',
      keys: { caller: '11987654321' },
      toneHz: 0,
      pauseMs: 6_000,
    });
    await waitUntil(async () => (await status()).count === 1, 15_000, 'the intercom session');
    const callId = (await status()).sessions[0]!.call_id;
    await visitor.succeeded();

    let call: any;
    await waitUntil(
      async () => {
        call = (await pbx.api.request('GET', `/api/voicebot/calls/${callId}`, { token: admin })).body;
        return Boolean(call?.ended_at);
      },
      15_000,
      'the intercom call to end',
    );
    expect(call.transcript).toContainEqual(expect.objectContaining({ who: 'bot', text: PROMPTS.greeting }));
    const monitor = join(pbx.asterisk.dir, 'spool', 'monitor');
    await waitUntil(
      () => readdirSync(monitor).some((file) => file.startsWith('visitor-heard-')),
      10_000,
      'the MixMonitor recording',
    );
    const heard = readdirSync(monitor).find((file) => file.startsWith('visitor-heard-'))!;
    const stats = audioStats(readFileSync(join(monitor, heard)));
    expect(stats.seconds).toBeGreaterThan(3);
    expect(stats.rms).toBeGreaterThan(0.05);
  });
});
