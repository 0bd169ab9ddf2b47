/**
 * The intercom with a recognizer and a language model (OpenAI-compatible, served by a
 * local stub in the real APIs' shapes): the visitor and the resident speak.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiChat } from '../../src/integrations/llm/index.js';
import { OpenAiStt } from '../../src/integrations/stt/index.js';
import { decodeWav } from '../../src/integrations/audio/index.js';
import { PROMPTS } from '../../src/modules/voicebot/intercom/prompts.js';
import { startIntercomHarness, type IntercomHarness } from '../support/intercom-harness.js';
import { startOpenAiStub, type OpenAiStub } from '../support/openai-stub.js';
import { loopbackOutbound } from '../support/outbound.js';

describe('intercom flow with speech recognition and a language model', () => {
  let h: IntercomHarness;
  let ai: OpenAiStub;
  let intercomUuid: string;

  beforeAll(async () => {
    ai = await startOpenAiStub();
    h = await startIntercomHarness({
      stt: new OpenAiStt({ http: loopbackOutbound(), url: ai.url, apiKey: 'sk-test', model: 'whisper-1' }),
      chat: new OpenAiChat({ http: loopbackOutbound(), url: `${ai.url}/v1`, apiKey: 'sk-test', model: 'gpt-4o-mini' }),
    });
    const token = h.adminToken;
    const u101 = await h.api.request('POST', '/api/voicebot/units', { token, body: { number: '101' } });
    const u202 = await h.api.request('POST', '/api/voicebot/units', { token, body: { number: '202' } });
    await h.api.request('POST', '/api/voicebot/residents', {
      token,
      body: { unit_id: u101.body.id, name: 'Maria da Silva', sip_extension: '1001' },
    });
    await h.api.request('POST', '/api/voicebot/residents', {
      token,
      body: { unit_id: u202.body.id, name: 'João Souza', phone: '+55 11 98765-4321' },
    });
    intercomUuid = (await h.api.request('GET', '/api/voicebot/settings', { token })).body.intercom_uuid;
  });
  afterAll(async () => {
    await h.close();
    await ai.close();
  });
  // Each test scripts its own answers: what a failed test left unsaid must not answer the next.
  beforeEach(() => {
    ai.transcripts.length = 0;
    ai.chatContents.length = 0;
    ai.nextAnswers.length = 0;
  });

  it('understands the visitor, rings the unit they named, and takes the resident’s spoken "não"', async () => {
    ai.transcripts.push('Apartamento 202, meu nome é Carlos.', 'Não.');
    // The model answers nothing useful: the rule-based parser fills the gaps.
    ai.chatContents.push('{"unit": null, "resident_name": null, "visitor_name": null, "purpose": null, "reply": null}');
    const visitor = await h.connectVisitor(intercomUuid);
    const callId = await h.callIdOf(intercomUuid);
    await h.botSays(PROMPTS.askDestinationSpeech);
    await visitor.waitUntilBotQuiet();
    visitor.speak(700);
    const resident = await h.dialer.nextResident();
    expect(h.dialer.requests.at(-1)).toMatchObject({
      residentName: 'João Souza',
      residentTarget: { kind: 'phone', number: '+5511987654321' },
    });
    await h.botSays(PROMPTS.askDecisionSpeech);
    await resident.waitUntilBotQuiet();
    resident.speak(500);
    await Promise.all([visitor.peer.closed, resident.peer.closed]);
    expect(visitor.endedWithHangupFrame && resident.endedWithHangupFrame).toBe(true);

    const call = await h.endedCall(callId);
    expect(call).toMatchObject({
      outcome: 'denied',
      visitor_name: 'Carlos',
      unit_number: '202',
      resident_name: 'João Souza',
    });
    expect(call.transcript).toContainEqual(
      expect.objectContaining({ who: 'visitor', kind: 'speech', text: 'Apartamento 202, meu nome é Carlos.' }),
    );
    expect(call.transcript).toContainEqual(expect.objectContaining({ who: 'resident', kind: 'speech', text: 'Não.' }));
    expect(call.transcript.map((l: { text: string }) => l.text)).toContain(PROMPTS.calling('202', 'Carlos'));
    // What the recognizer received: a WAV of the utterance at the session's rate.
    const upload = ai.transcriptions[0]!;
    expect(upload).toMatchObject({
      authorization: 'Bearer sk-test',
      model: 'whisper-1',
      language: 'pt',
      fileType: 'audio/wav',
    });
    const wav = decodeWav(upload.wav);
    expect(wav.sampleRateHz).toBe(8000);
    expect(wav.pcm.length / 2 / 8000).toBeGreaterThan(0.6);
  });

  it('lets the language model pick the resident and phrase the reply', async () => {
    ai.transcripts.push('oi, tenho uma pizza pra dona Maria', 'pode subir');
    ai.chatContents.push(
      JSON.stringify({
        unit: null,
        resident_name: 'Maria da Silva',
        visitor_name: 'Pedro',
        purpose: 'entrega de pizza',
        reply: 'Certo, Pedro. Vou chamar a Maria.',
      }),
    );
    const chatsBefore = ai.chats.length;
    const visitor = await h.connectVisitor(intercomUuid);
    const callId = await h.callIdOf(intercomUuid);
    await h.botSays(PROMPTS.askDestinationSpeech);
    await visitor.waitUntilBotQuiet();
    visitor.speak(700);
    const resident = await h.dialer.nextResident();
    await h.botSays(PROMPTS.askDecisionSpeech);
    await resident.waitUntilBotQuiet();
    resident.speak(500);
    await Promise.all([visitor.peer.closed, resident.peer.closed]);
    const call = await h.endedCall(callId);
    expect(call).toMatchObject({
      outcome: 'authorized',
      visitor_name: 'Pedro',
      purpose: 'entrega de pizza',
      resident_name: 'Maria da Silva',
      gate: { status: 'not_configured' },
    });
    const texts = call.transcript.map((l: { text: string }) => l.text);
    expect(texts).toContain('Certo, Pedro. Vou chamar a Maria.');
    expect(texts).toContain(PROMPTS.announce('Pedro', '101', 'entrega de pizza'));
    // "pode subir" is a yes to the rules: the model was asked about the visitor only.
    const chat = ai.chats[chatsBefore]!;
    expect(chat.body).toMatchObject({ model: 'gpt-4o-mini', response_format: { type: 'json_object' } });
    expect(chat.body.messages[0]!.content).toContain('Maria da Silva (101)');
    expect(ai.chats.length).toBe(chatsBefore + 1);
  });

  it('takes the seed’s "test hangup" command: the notice, the closing line, KIND_HANGUP', async () => {
    ai.transcripts.push('test hangup');
    const visitor = await h.connectVisitor(intercomUuid);
    const callId = await h.callIdOf(intercomUuid);
    await h.botSays(PROMPTS.askDestinationSpeech);
    await visitor.waitUntilBotQuiet();
    visitor.speak(600);
    await visitor.peer.closed;
    expect(visitor.endedWithHangupFrame).toBe(true);
    const call = await h.endedCall(callId);
    expect(call).toMatchObject({ outcome: 'abandoned', end_reason: 'test_hangup' });
    const bot = call.transcript.filter((l: { who: string }) => l.who === 'bot').map((l: { text: string }) => l.text);
    expect(bot.slice(-2)).toEqual([PROMPTS.testHangupOn, PROMPTS.closing]);
    expect(h.logs.some((l) => l.msg === 'HANGUP_SENT event logged' && l.callId === callId)).toBe(true);
  });

  it('asks again when the recognizer fails, and still accepts digits', async () => {
    ai.nextAnswers.push({ status: 500, body: { error: { message: 'overloaded', type: 'server_error', code: null } } });
    const visitor = await h.connectVisitor(intercomUuid);
    const callId = await h.callIdOf(intercomUuid);
    await h.botSays(PROMPTS.askDestinationSpeech);
    await visitor.waitUntilBotQuiet();
    visitor.speak(600);
    await h.botSays(PROMPTS.notUnderstood);
    await visitor.waitUntilBotQuiet(200);
    visitor.dtmf('101#');
    ai.transcripts.push('Roberto');
    await h.botSays(PROMPTS.askNameSpeech);
    await visitor.waitUntilBotQuiet();
    visitor.speak(500);
    const resident = await h.dialer.nextResident();
    await h.botSays(PROMPTS.askDecisionSpeech);
    await resident.waitUntilBotQuiet();
    resident.dtmf('1');
    await Promise.all([visitor.peer.closed, resident.peer.closed]);
    const call = await h.endedCall(callId);
    expect(call).toMatchObject({ outcome: 'authorized', unit_number: '101', visitor_name: 'Roberto' });
  });
});
