/**
 * The AudioSocket path on a real Asterisk: a call from the carrier to a number mapped to
 * `sb-to-voicebot` reaches Switchboard's AudioSocket server; `/api/status` shows the live
 * session with the caller's audio arriving, and `/api/hangup` sends KIND_HANGUP, after
 * which AudioSocket() returns and the kit's dialplan goes on to hang the call up. With the
 * company's intercom UUID the bot answers, and its speech reaches the caller (recorded on
 * the caller's channel with MixMonitor and measured). The whole intercom: the visitor types
 * the unit (RFC 2833), says a name after the beep, the resident is dialled through ARI and
 * answered by a SIPp phone that presses 1 (RFC 2833), the gate webhook is fired, and both
 * legs get KIND_HANGUP, after which each leg's dialplan goes on.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROMPTS } from '../../src/modules/voicebot/intercom/prompts.js';
import { hasValidSignature, startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { audioStats, header, sipMessages } from './support/calls.js';
import { startPbxHarness, type PbxHarness } from './support/harness.js';
import { waitUntil } from './support/processes.js';
import { Sipp } from './support/sipp.js';

const API_KEY = 'pbx-suite-voicebot-api-key-0123456789abcdef';
const DID = '551130002000';
/** The intercom's number, through a test context that records what the visitor hears. */
const INTERCOM_DID = '551130003000';
const GATE_SECRET = 'pbx-suite-gate-secret-0123456789';

describe.skipIf(inject('pbxSkipReason'))('AudioSocket sessions on a real Asterisk', () => {
  let pbx: PbxHarness;
  let gate: WebhookReceiver;
  let intercomUuid: string;

  beforeAll(async () => {
    gate = await startWebhookReceiver();
    // The gate controller is on 127.0.0.1: the outbound guard lets only what is named through.
    pbx = await startPbxHarness({ env: { VOICEBOT_API_KEY: API_KEY, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' } });
    const settings = await pbx.api.request('GET', '/api/voicebot/settings', { token: await pbx.api.adminToken() });
    expect(settings.status).toBe(200);
    intercomUuid = settings.body.intercom_uuid;
    // Test-only: what Asterisk sends the visitor (MixMonitor's t() feed), recorded from
    // before the channel joins the bot.
    pbx.asterisk.addDialplan(
      [
        '[test-visitor]',
        'exten => s,1,MixMonitor(visitor-${UNIQUEID}.wav,t(visitor-heard-${UNIQUEID}.wav))',
        ` same => n,Gosub(sb-to-voicebot,s,1(${intercomUuid},))`,
        ' same => n,Return()',
      ].join('\n'),
    );
    pbx.asterisk.mapDid(INTERCOM_DID, 'test-visitor,s,1');
  });
  afterAll(async () => {
    await pbx?.close();
    await gate?.close();
  });

  const monitorDir = () => join(pbx.asterisk.dir, 'spool', 'monitor');
  const heardFiles = () =>
    existsSync(monitorDir()) ? readdirSync(monitorDir()).filter((file) => file.startsWith('visitor-heard-')) : [];

  /** The MixMonitor file of the visitor's call that was not there `before`. */
  const newRecording = async (before: string[]) => {
    let file: string | undefined;
    await waitUntil(
      () => {
        file = heardFiles().find((name) => !before.includes(name));
        return file !== undefined;
      },
      10_000,
      'the MixMonitor recording',
    );
    return file!;
  };

  const voicebotCall = async (callId: string) =>
    (await pbx.api.request('GET', `/api/voicebot/calls/${callId}`, { token: await pbx.api.adminToken() })).body;

  const endedCall = async (callId: string) => {
    let call: any;
    await waitUntil(
      async () => {
        call = await voicebotCall(callId);
        return Boolean(call?.ended_at);
      },
      20_000,
      'the intercom call to end',
    );
    return call;
  };

  const status = async () =>
    (await pbx.api.request('GET', '/api/status', { headers: { 'x-api-key': API_KEY } })).body as {
      sessions: {
        call_id: string;
        role: string;
        frames_in: number;
        sample_rate_hz: number;
        intent_data: Record<string, unknown>;
      }[];
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
    const before = heardFiles();
    const visitor = await Sipp.start({
      scenario: 'call',
      port: pbx.carrierUacPort,
      remote: pbx.sipAddress,
      service: INTERCOM_DID,
      keys: { caller: '11987654321' },
      toneHz: 0,
      pauseMs: 6_000,
    });
    await waitUntil(async () => (await status()).count === 1, 15_000, 'the intercom session');
    const callId = (await status()).sessions[0]!.call_id;
    await visitor.succeeded();

    const call = await endedCall(callId);
    expect(call.transcript).toContainEqual(expect.objectContaining({ who: 'bot', text: PROMPTS.greeting }));
    const heard = await newRecording(before);
    const stats = audioStats(readFileSync(join(monitorDir(), heard)));
    expect(stats.seconds).toBeGreaterThan(3);
    expect(stats.rms).toBeGreaterThan(0.05);
  });

  it('the whole intercom: visitor DTMF, the resident dialled through ARI presses 1, the gate opens, both legs get KIND_HANGUP', async () => {
    const admin = await pbx.api.adminToken();
    // The resident is an agent's SIPp phone, reached by its extension.
    const residentPhone = await pbx.phone();
    const unit = await pbx.api.request('POST', '/api/voicebot/units', { token: admin, body: { number: '101' } });
    expect(unit.status).toBe(201);
    const resident = await pbx.api.request('POST', '/api/voicebot/residents', {
      token: admin,
      body: { unit_id: unit.body.id, name: 'Maria da Silva', sip_extension: String(residentPhone.extension) },
    });
    expect(resident.status).toBe(201);
    const settings = await pbx.api.request('PUT', '/api/voicebot/settings', {
      token: admin,
      body: { gate_webhook_url: gate.url, gate_webhook_secret: GATE_SECRET },
    });
    expect(settings.status).toBe(200);

    const before = heardFiles();
    // The earlier visitor hung up in the middle of AudioSocket(), which Asterisk warns about.
    const logFrom = pbx.asterisk.logLines().length;
    // Types 1 0 1 # 4 s after the answer (during the question: barge-in), then talks.
    const visitor = await Sipp.start({
      scenario: 'call-dtmf',
      port: pbx.carrierUacPort,
      remote: pbx.sipAddress,
      service: INTERCOM_DID,
      keys: { caller: '11987654321' },
      toneHz: 600,
      dtmf: '101#',
      pauseMs: 4_000,
      timeoutSeconds: 80,
    });

    // The resident's phone answers only once the bot calls it: a SIPp phone waiting longer
    // would take Asterisk's qualify OPTIONS for its one call. Its INVITE is retransmitted
    // until SIPp is listening.
    await waitUntil(
      async () => (await status()).sessions.some((session) => session.intent_data?.stage === 'calling_resident'),
      45_000,
      'the bot to call the resident',
      50,
    ).catch(async (error: Error) => {
      // What the bot said and heard tells where the conversation stopped.
      const calls = await pbx.api.request('GET', '/api/voicebot/calls', { token: admin });
      throw new Error(`${error.message}; the intercom calls: ${JSON.stringify(calls.body)}`);
    });
    // It presses 1 every 3 s from 3 s after answering, until the bot hangs up.
    const residentSide = await Sipp.start({
      scenario: 'answer-dtmf',
      port: residentPhone.port,
      dtmf: ' 11111111',
      dtmfGapMs: 3_000,
    });
    // Both legs are live sessions of the same call while the resident decides.
    await waitUntil(async () => (await status()).count === 2, 20_000, 'the resident’s AudioSocket session');
    const sessions = (await status()).sessions;
    expect(sessions.map((session) => session.role).sort()).toEqual(['resident', 'visitor']);
    const callId = sessions[0]!.call_id;
    expect(sessions[1]!.call_id).toBe(callId);

    const [residentTrace] = await Promise.all([residentSide.succeeded(), visitor.succeeded()]);
    // The resident's phone was rung as the device the API created, from the intercom.
    const invite = sipMessages(residentTrace.messages, /^INVITE sip:/)[0]!;
    expect(invite).toContain(`sip:${residentPhone.sipUsername}@127.0.0.1`);
    expect(header(invite, 'From')).toContain('Portaria');

    const call = await endedCall(callId);
    expect(call).toMatchObject({
      outcome: 'authorized',
      end_reason: 'completed',
      unit_number: '101',
      resident_name: 'Maria da Silva',
      gate: { status: 'opened', attempts: 1, http_status: 200 },
    });
    const lines = call.transcript as { who: string; leg: string; kind: string; text: string }[];
    expect(lines).toContainEqual(expect.objectContaining({ who: 'visitor', kind: 'dtmf', text: '101' }));
    expect(lines).toContainEqual(expect.objectContaining({ who: 'visitor', kind: 'recording' }));
    expect(lines).toContainEqual(expect.objectContaining({ who: 'resident', kind: 'dtmf', text: '1' }));
    const toVisitor = lines.filter((line) => line.who === 'bot' && line.leg === 'visitor').map((line) => line.text);
    expect(toVisitor).toContain(PROMPTS.visitorAuthorizedGate);
    expect(toVisitor.at(-1)).toBe(PROMPTS.closing);

    // The gate controller got one signed request.
    expect(gate.received).toHaveLength(1);
    expect(hasValidSignature(gate.received[0]!, GATE_SECRET)).toBe(true);
    expect(JSON.parse(gate.received[0]!.rawBody.toString('utf8'))).toMatchObject({
      event: 'gate.open',
      call_id: callId,
      unit_number: '101',
      resident_name: 'Maria da Silva',
    });

    // KIND_HANGUP on both legs: each AudioSocket() returned normally and its dialplan went on.
    await waitUntil(async () => (await status()).count === 0, 10_000, 'both sessions to end');
    const dialplan = readFileSync(join(pbx.asterisk.dir, 'log', 'full.log'), 'utf8');
    expect(dialplan).toMatch(/Executing \[resident@switchboard-intercom-resident:3\][^\n]*Hangup\(/);
    expect(dialplan).toMatch(new RegExp(`Executing \\[${INTERCOM_DID}@switchboard-dids:2\\][^\\n]*Hangup\\(`));
    expect(
      pbx.asterisk
        .logLines()
        .slice(logFrom)
        .filter((line) => /audiosocket/i.test(line)),
    ).toEqual([]);

    // The visitor heard the bot all along (greeting, questions, the decision, the closing line).
    const heard = audioStats(readFileSync(join(monitorDir(), await newRecording(before))));
    expect(heard.seconds).toBeGreaterThan(15);
    expect(heard.rms).toBeGreaterThan(0.05);
  });
});
