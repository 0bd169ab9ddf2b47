/**
 * The intercom end to end, without a recognizer (DTMF prompts, the visitor's name recorded
 * and played back to the resident): two simulated Asterisk connections, visitor and
 * resident, the resident's opened by a dialer that behaves like Asterisk.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROMPTS } from '../../src/modules/voicebot/intercom/prompts.js';
import { sleep, waitUntil } from '../support/audiosocket-peer.js';
import {
  INTERCOM_API_KEY,
  startIntercomHarness,
  ToneTts,
  type IntercomHarness,
  type VoicePeer,
} from '../support/intercom-harness.js';
import { hasValidSignature, startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const GATE_SECRET = 'gate-secret-for-tests-0123456789';

describe('intercom flow over AudioSocket (DTMF, recorded name)', () => {
  let h: IntercomHarness;
  let gate: WebhookReceiver;
  let intercomUuid: string;
  const tts = new ToneTts((text) => (text === PROMPTS.greeting ? 1500 : 80));

  beforeAll(async () => {
    gate = await startWebhookReceiver();
    h = await startIntercomHarness({ tts });
    const token = h.adminToken;
    const unit = await h.api.request('POST', '/api/voicebot/units', {
      token,
      body: { number: '101', label: 'Torre A' },
    });
    await h.api.request('POST', '/api/voicebot/residents', {
      token,
      body: { unit_id: unit.body.id, name: 'Maria da Silva', sip_extension: '1001' },
    });
    const shared = await h.api.request('POST', '/api/voicebot/units', { token, body: { number: '202' } });
    for (const [name, extension, priority] of [
      ['Pedro Alves', '2002', 1],
      ['Ana Ribeiro', '2001', 0],
    ] as const) {
      const created = await h.api.request('POST', '/api/voicebot/residents', {
        token,
        body: { unit_id: shared.body.id, name, sip_extension: extension, priority },
      });
      expect(created.status).toBe(201);
    }
    const empty = await h.api.request('POST', '/api/voicebot/units', { token, body: { number: '303' } });
    expect(empty.status).toBe(201);
    const settings = await h.api.request('PUT', '/api/voicebot/settings', {
      token,
      body: { gate_webhook_url: gate.url, gate_webhook_secret: GATE_SECRET },
    });
    intercomUuid = settings.body.intercom_uuid;
  });
  afterAll(async () => {
    await h.close();
    await gate.close();
  });
  beforeEach(() => {
    h.dialer.mode = 'answer';
    h.dialer.modeFor = undefined;
    gate.received.length = 0;
    gate.statuses.length = 0;
  });

  /** The visitor calls, types `<unit>#` and says a name after the beep. */
  async function visitorAsksFor(unit: string, nameMs: number): Promise<{ visitor: VoicePeer; callId: string }> {
    const visitor = await h.connectVisitor(intercomUuid);
    const callId = await h.callIdOf(intercomUuid);
    await h.botSays(PROMPTS.askDestinationDtmf);
    await visitor.waitUntilBotQuiet();
    visitor.dtmf(`${unit}#`);
    await h.botSays('(sinal)');
    await visitor.waitUntilBotQuiet();
    visitor.speak(nameMs);
    return { visitor, callId };
  }

  /** Visitor asks for 101 and gives a name; the resident answers. */
  async function reachResident(): Promise<{ visitor: VoicePeer; resident: VoicePeer; callId: string }> {
    const { visitor, callId } = await visitorAsksFor('101', 600);
    const resident = await h.dialer.nextResident();
    await h.botSays(PROMPTS.askDecisionDtmf);
    await resident.waitUntilBotQuiet();
    return { visitor, resident, callId };
  }

  it('authorizes: the gate webhook is signed and retried, both legs get 00 00 00', async () => {
    gate.statuses.push(503);
    const { visitor, resident, callId } = await reachResident();
    // The two sessions are linked through intent_data.
    const request = h.dialer.requests.at(-1)!;
    expect(request).toMatchObject({
      callId,
      residentName: 'Maria da Silva',
      residentTarget: { kind: 'sip', extension: '1001' },
    });
    expect(h.audiosocket.getSession(callId, 'visitor')?.intentData).toMatchObject({
      intercom_call_id: callId,
      resident_audiosocket_uuid: request.audiosocketUuid,
      unit_number: '101',
    });
    expect(h.audiosocket.getSession(callId, 'resident')?.intentData).toMatchObject({
      intercom_call_id: callId,
      visitor_audiosocket_uuid: intercomUuid,
    });
    // The resident heard the announcement and the visitor's recorded name.
    expect(resident.heardFrames).toBeGreaterThan(20);
    resident.dtmf('1');
    await Promise.all([visitor.peer.closed, resident.peer.closed]);
    expect(visitor.endedWithHangupFrame).toBe(true);
    expect(resident.endedWithHangupFrame).toBe(true);
    expect(visitor.peer.asteriskErrors).toEqual([]);

    const call = await h.endedCall(callId);
    expect(call).toMatchObject({
      status: 'completed',
      outcome: 'authorized',
      end_reason: 'completed',
      unit_number: '101',
      resident_name: 'Maria da Silva',
      gate: { status: 'opened', attempts: 2, http_status: 200, error: null },
    });
    expect(call.resident_answered_at).not.toBeNull();
    const lines = call.transcript as { seq: number; who: string; leg: string; kind: string; text: string }[];
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(lines).toContainEqual(expect.objectContaining({ who: 'visitor', kind: 'dtmf', text: '101' }));
    expect(lines).toContainEqual(expect.objectContaining({ who: 'visitor', kind: 'recording' }));
    expect(lines).toContainEqual(expect.objectContaining({ who: 'bot', leg: 'resident', kind: 'recording' }));
    expect(lines).toContainEqual(expect.objectContaining({ who: 'resident', kind: 'dtmf', text: '1' }));
    const botToVisitor = lines.filter((l) => l.who === 'bot' && l.leg === 'visitor').map((l) => l.text);
    expect(botToVisitor).toContain(PROMPTS.visitorAuthorizedGate);
    expect(botToVisitor.at(-1)).toBe(PROMPTS.closing);

    expect(gate.received).toHaveLength(2);
    for (const delivery of gate.received) expect(hasValidSignature(delivery, GATE_SECRET)).toBe(true);
    expect(hasValidSignature(gate.received[0]!, 'another-secret-0123456789')).toBe(false);
    expect(gate.received[0]!.headers['x-switchboard-delivery']).toBe(
      gate.received[1]!.headers['x-switchboard-delivery'],
    );
    expect(JSON.parse(gate.received[1]!.rawBody.toString('utf8'))).toMatchObject({
      event: 'gate.open',
      call_id: callId,
      unit_number: '101',
      resident_name: 'Maria da Silva',
    });
    const hangups = h.logs.filter((l) => l.msg === 'KIND_HANGUP sent' && l.callId === callId).map((l) => l.role);
    expect(hangups.sort()).toEqual(['resident', 'visitor']);
  });

  it('puts the resident through to the visitor on 3, both ways, until the resident decides', async () => {
    const { visitor, resident, callId } = await reachResident();
    resident.dtmf('3');
    await h.botSays(PROMPTS.residentTalk);
    await h.botSays(PROMPTS.visitorTalk);
    // Both were told; then they are put through.
    await waitUntil(
      () => h.audiosocket.getSession(callId, 'visitor')?.intentData.stage === 'resident_talking_to_visitor',
      5000,
      'the talk to start',
    );
    // What the visitor says reaches the resident as it is, frame by frame, and back.
    const talkFrom = performance.now();
    visitor.speak(400);
    await waitUntil(() => resident.heardFramesSince(talkFrom) >= 18, 5000, 'the visitor heard by the resident');
    resident.speak(400);
    await waitUntil(() => visitor.heardFramesSince(talkFrom) >= 18, 5000, 'the resident heard by the visitor');
    const spoken = new Set(visitor.sentSpeech.map((frame) => frame.toString('hex')));
    const relayed = resident.peer.audioFrames.filter((f) => f.at > talkFrom && spoken.has(f.payload.toString('hex')));
    expect(relayed.length).toBeGreaterThanOrEqual(18);
    expect(h.audiosocket.getSession(callId, 'resident')?.outbound.relayedFrames).toBeGreaterThan(18);

    resident.dtmf('1');
    await Promise.all([visitor.peer.closed, resident.peer.closed]);
    const call = await h.endedCall(callId);
    expect(call).toMatchObject({ outcome: 'authorized', end_reason: 'completed' });
    const texts = call.transcript.map((l: { text: string }) => l.text);
    expect(texts).toContain('Morador e visitante em conversa');
    expect(texts.some((text: string) => /^Conversa encerrada após \d+ s$/.test(text))).toBe(true);
    expect(texts).toContain(PROMPTS.visitorTalk);
  });

  it('denies: no gate, the closing line, both legs hung up', async () => {
    const { visitor, resident, callId } = await reachResident();
    resident.dtmf('2');
    await Promise.all([visitor.peer.closed, resident.peer.closed]);
    expect(visitor.endedWithHangupFrame && resident.endedWithHangupFrame).toBe(true);
    const call = await h.endedCall(callId);
    expect(call).toMatchObject({ outcome: 'denied', end_reason: 'completed', gate: { status: 'not_requested' } });
    const texts = call.transcript.map((l: { text: string }) => l.text);
    expect(texts).toContain(PROMPTS.visitorDenied);
    expect(texts).toContain(PROMPTS.residentDenied);
    expect(texts.at(-2)).toBe(PROMPTS.closing);
    expect(gate.received).toHaveLength(0);
  });

  it('apologises and hangs up when the resident does not answer', async () => {
    h.dialer.mode = 'no_answer';
    const { visitor, callId } = await visitorAsksFor('101', 500);
    await visitor.peer.closed;
    expect(visitor.endedWithHangupFrame).toBe(true);
    const call = await h.endedCall(callId);
    expect(call).toMatchObject({ outcome: 'no_answer', end_reason: 'resident_no_answer', resident_answered_at: null });
    expect(call.transcript.map((l: { text: string }) => l.text)).toContain(PROMPTS.apologyNoAnswer);
    // The ringing call was cancelled at the PBX.
    expect(h.dialer.cancels).toContain(h.dialer.requests.at(-1)!.audiosocketUuid);
  });

  it('rings the next resident of the unit, by priority, when the first does not answer', async () => {
    h.dialer.modeFor = (request) => (request.residentName === 'Ana Ribeiro' ? 'no_answer' : 'answer');
    const before = h.dialer.requests.length;
    const { visitor, callId } = await visitorAsksFor('202', 500);
    const resident = await h.dialer.nextResident(10_000);
    await h.botSays(PROMPTS.askDecisionDtmf);
    await resident.waitUntilBotQuiet();
    const rung = h.dialer.requests.slice(before);
    expect(rung.map((r) => [r.residentName, r.residentTarget])).toEqual([
      ['Ana Ribeiro', { kind: 'sip', extension: '2001' }],
      ['Pedro Alves', { kind: 'sip', extension: '2002' }],
    ]);
    // The first call was cancelled at the PBX before the second was placed.
    expect(h.dialer.cancels).toContain(rung[0]!.audiosocketUuid);
    expect(h.audiosocket.getSession(callId, 'visitor')?.intentData).toMatchObject({
      resident_name: 'Pedro Alves',
      resident_audiosocket_uuid: rung[1]!.audiosocketUuid,
    });
    resident.dtmf('1');
    await Promise.all([visitor.peer.closed, resident.peer.closed]);
    const call = await h.endedCall(callId);
    expect(call).toMatchObject({ outcome: 'authorized', unit_number: '202', resident_name: 'Pedro Alves' });
    const texts = call.transcript.map((l: { text: string }) => l.text);
    expect(texts).toContain(PROMPTS.tryingNextResident);
    expect(texts.indexOf('O morador não atendeu')).toBeLessThan(texts.indexOf(PROMPTS.tryingNextResident));
  });

  it('apologises and hangs up when the visitor stays silent', async () => {
    const visitor = await h.connectVisitor(intercomUuid);
    const callId = await h.callIdOf(intercomUuid);
    await visitor.peer.closed;
    expect(visitor.endedWithHangupFrame).toBe(true);
    const call = await h.endedCall(callId);
    expect(call).toMatchObject({ outcome: 'abandoned', end_reason: 'visitor_silent' });
    const bot = call.transcript.filter((l: { who: string }) => l.who === 'bot').map((l: { text: string }) => l.text);
    expect(bot.at(-1)).toBe(PROMPTS.apologySilence);
  });

  it('ends both legs when POST /api/hangup hangs up the visitor mid-call', async () => {
    const { visitor, resident, callId } = await reachResident();
    const status = await fetch(`${h.mediaApiUrl}/api/status`, { headers: { 'x-api-key': INTERCOM_API_KEY } });
    const sessions = ((await status.json()) as { sessions: { call_id: string; role: string; intent_data: object }[] })
      .sessions;
    expect(
      sessions
        .filter((s) => s.call_id === callId)
        .map((s) => s.role)
        .sort(),
    ).toEqual(['resident', 'visitor']);
    const response = await fetch(`${h.mediaApiUrl}/api/hangup`, {
      method: 'POST',
      headers: { 'x-api-key': INTERCOM_API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ call_id: callId, role: 'visitor' }),
    });
    expect(response.status).toBe(200);
    await Promise.all([visitor.peer.closed, resident.peer.closed]);
    expect(visitor.endedWithHangupFrame).toBe(true);
    expect(resident.endedWithHangupFrame).toBe(true);
    const call = await h.endedCall(callId);
    expect(call).toMatchObject({ outcome: 'abandoned', end_reason: 'hangup_requested' });
    expect(call.transcript.map((l: { text: string }) => l.text)).toContain(PROMPTS.residentVisitorLeft);
  });

  // Barge-in is measured in audio, not wall-clock time: at most 100 ms of prompt (five
  // 20 ms frames) may follow the caller's input, plus one frame already on the wire. A
  // loaded machine delays both the bot and its pacing, so the count stays fair there.
  it('stops its prompt within 100 ms of a digit (barge-in) and keeps the digits typed ahead', async () => {
    const visitor = await h.connectVisitor(intercomUuid);
    const callId = await h.callIdOf(intercomUuid);
    await waitUntil(() => visitor.heardFrames > 10, 3000, 'the greeting to play');
    const pressedAt = performance.now();
    visitor.dtmf('3');
    await sleep(250);
    expect(visitor.heardFramesSince(pressedAt)).toBeLessThanOrEqual(6);
    visitor.dtmf('03#');
    // Unit 303 exists but nobody lives there: the bot says so and hangs up.
    await visitor.peer.closed;
    const call = await h.endedCall(callId);
    expect(call).toMatchObject({ outcome: 'failed', end_reason: 'no_resident', unit_number: '303' });
    expect(call.transcript.map((l: { text: string }) => l.text)).not.toContain(PROMPTS.askDestinationDtmf);
  });

  it('stops its prompt within 100 ms of the caller starting to speak', async () => {
    const visitor = await h.connectVisitor(intercomUuid);
    await h.callIdOf(intercomUuid);
    await waitUntil(() => visitor.heardFrames > 10, 3000, 'the greeting to play');
    visitor.speak(400);
    await sleep(400);
    const spokeAt = visitor.speechSentAt[0]!;
    // The bot cannot react to frames this process had not sent yet: our own lag is excused.
    const senderLagFrames = Math.ceil(Math.max(0, visitor.speechSentAt[2]! - spokeAt - 40) / 20);
    expect(visitor.heardFramesSince(spokeAt)).toBeLessThanOrEqual(6 + senderLagFrames);
    await visitor.close();
  });

  it('finishes with the closing line and KIND_HANGUP when the test_hangup flag is set', async () => {
    const visitor = await h.connectVisitor(intercomUuid);
    const callId = await h.callIdOf(intercomUuid);
    await h.botSays(PROMPTS.askDestinationDtmf);
    expect(h.audiosocket.updateIntentData(callId, 'visitor', { test_hangup: true })).toBe('updated');
    await visitor.peer.closed;
    expect(visitor.endedWithHangupFrame).toBe(true);
    const call = await h.endedCall(callId);
    expect(call).toMatchObject({ outcome: 'abandoned', end_reason: 'test_hangup' });
    const bot = call.transcript.filter((l: { who: string }) => l.who === 'bot').map((l: { text: string }) => l.text);
    expect(bot.at(-1)).toBe(PROMPTS.closing);
    expect(h.logs.some((l) => l.msg === 'HANGUP_SENT event logged' && l.callId === callId)).toBe(true);
  });

  it('apologises when the unit cannot be found', async () => {
    const visitor = await h.connectVisitor(intercomUuid);
    const callId = await h.callIdOf(intercomUuid);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await waitUntil(
        () => h.logs.filter((l) => l.callId === callId && l.text === PROMPTS.askDestinationDtmf).length > attempt,
        5000,
        'the question',
      );
      await visitor.waitUntilBotQuiet();
      visitor.dtmf('999#');
    }
    await visitor.peer.closed;
    const call = await h.endedCall(callId);
    expect(call).toMatchObject({ outcome: 'failed', end_reason: 'unit_not_found' });
    expect(call.transcript.map((l: { text: string }) => l.text)).toContain(PROMPTS.unitNotFound('999'));
  });
});
