/**
 * The voice bot's outbound HTTP adapters against local servers answering in the real
 * APIs' shapes: OpenAI-compatible transcription and chat completion, and the gate webhook.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/integrations/audio/index.js';
import { GateWebhookClient } from '../../src/integrations/gate-webhook/index.js';
import { OpenAiChat } from '../../src/integrations/llm/index.js';
import { OpenAiStt } from '../../src/integrations/stt/index.js';
import { LlmUnderstanding } from '../../src/modules/voicebot/intercom/understanding.js';
import { UpstreamError } from '../../src/shared/errors.js';
import { createCapturingLogger } from '../support/audiosocket-peer.js';
import { chatCompletion, startOpenAiStub, type OpenAiStub } from '../support/openai-stub.js';
import { loopbackOutbound } from '../support/outbound.js';
import { hasValidSignature, startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const outbound = loopbackOutbound();

const directory = {
  units: [
    { unitId: 'u1', number: '101' },
    { unitId: 'u2', number: '202' },
  ],
  residents: [
    {
      residentId: 'r1',
      name: 'Maria da Silva',
      unitId: 'u1',
      unitNumber: '101',
      priority: 0,
      phone: null,
      sipExtension: '1001',
    },
  ],
};

describe('OpenAiStt', () => {
  let ai: OpenAiStub;
  beforeAll(async () => (ai = await startOpenAiStub()));
  afterAll(() => ai.close());

  it('uploads the utterance as a WAV in a multipart form and reads {"text"}', async () => {
    ai.transcripts.push('  apartamento 101  ');
    const stt = new OpenAiStt({ http: outbound, url: ai.url, apiKey: 'sk-1', model: 'whisper-1' });
    const pcm = Buffer.alloc(16000, 3);
    const result = await stt.transcribe(pcm, 16000, { prompt: 'Moradores: Maria' });
    expect(result).toEqual({ text: 'apartamento 101' });
    const upload = ai.transcriptions.at(-1)!;
    expect(upload).toMatchObject({
      authorization: 'Bearer sk-1',
      model: 'whisper-1',
      language: 'pt',
      prompt: 'Moradores: Maria',
      responseFormat: 'json',
      fileName: 'utterance.wav',
      fileType: 'audio/wav',
    });
    expect(decodeWav(upload.wav)).toEqual({ pcm, sampleRateHz: 16000 });
  });

  it('accepts a base URL ending in /v1 or the full endpoint', async () => {
    ai.transcripts.push('um', 'dois');
    await new OpenAiStt({ http: outbound, url: `${ai.url}/v1/`, model: 'm' }).transcribe(Buffer.alloc(320), 8000);
    await new OpenAiStt({ http: outbound, url: `${ai.url}/v1/audio/transcriptions`, model: 'm' }).transcribe(
      Buffer.alloc(320),
      8000,
    );
    expect(ai.transcriptions.slice(-2).map((t) => t.authorization)).toEqual([undefined, undefined]);
  });

  it('reports the API’s error message as an UpstreamError', async () => {
    ai.nextAnswers.push({
      status: 401,
      body: {
        error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
      },
    });
    const error = await new OpenAiStt({ http: outbound, url: ai.url, model: 'm' })
      .transcribe(Buffer.alloc(320), 8000)
      .catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.code).toBe('stt.failed');
    expect(error.message).toContain('Incorrect API key provided');
  });

  it('gives up after its timeout', async () => {
    ai.nextAnswers.push({ delayMs: 500, status: 200, body: { text: 'late' } });
    const stt = new OpenAiStt({ http: outbound, url: ai.url, model: 'm', timeoutMs: 100 });
    const error = await stt.transcribe(Buffer.alloc(320), 8000).catch((e) => e);
    expect(error).toMatchObject({ code: 'stt.unreachable' });
  });
});

describe('OpenAiChat and the language-model understanding', () => {
  let ai: OpenAiStub;
  beforeAll(async () => (ai = await startOpenAiStub()));
  afterAll(() => ai.close());

  it('posts the messages and returns the first choice’s content', async () => {
    ai.chatContents.push('olá');
    const chat = new OpenAiChat({ http: outbound, url: ai.url, apiKey: 'sk-2', model: 'llama3' });
    expect(await chat.complete([{ role: 'user', content: 'oi' }], { isJson: true, maxTokens: 20 })).toBe('olá');
    expect(ai.chats.at(-1)).toMatchObject({
      authorization: 'Bearer sk-2',
      body: {
        model: 'llama3',
        messages: [{ role: 'user', content: 'oi' }],
        response_format: { type: 'json_object' },
        max_tokens: 20,
        temperature: 0,
      },
    });
  });

  it('rejects an answer without a message', async () => {
    ai.nextAnswers.push({ status: 200, body: { ...chatCompletion('x'), choices: [] } });
    const error = await new OpenAiChat({ http: outbound, url: ai.url, model: 'm' }).complete([]).catch((e) => e);
    expect(error).toMatchObject({ code: 'llm.bad_response' });
  });

  it('extracts unit, resident, name, purpose and a reply; JSON in a code fence is read too', async () => {
    ai.chatContents.push(
      '```json\n{"unit": "101", "resident_name": "Maria", "visitor_name": "Ana", "purpose": "visita", "reply": "Um momento, Ana."}\n```',
    );
    const understanding = new LlmUnderstanding(
      new OpenAiChat({ http: outbound, url: ai.url, model: 'm' }),
      createCapturingLogger().logger,
    );
    const intent = await understanding.understandVisitor('a Maria do 101, sou a Ana', {
      directory,
      isNameAnswer: false,
    });
    expect(intent).toEqual({
      unitNumber: '101',
      residentId: 'r1',
      visitorName: 'Ana',
      purpose: 'visita',
      reply: 'Um momento, Ana.',
    });
    expect(ai.chats.at(-1)!.body.messages[0]!.content).toContain('Maria da Silva (101)');
  });

  it('falls back to the rules when the model fails, and asks it only about unclear decisions', async () => {
    const { logger } = createCapturingLogger();
    const understanding = new LlmUnderstanding(new OpenAiChat({ http: outbound, url: ai.url, model: 'm' }), logger);
    ai.nextAnswers.push({ status: 503, body: { error: { message: 'busy', type: 'server_error', code: null } } });
    const intent = await understanding.understandVisitor('apartamento 202, meu nome é Bruno', {
      directory,
      isNameAnswer: false,
    });
    expect(intent).toMatchObject({ unitNumber: '202', visitorName: 'Bruno' });
    const before = ai.chats.length;
    expect(await understanding.understandDecision('sim, pode')).toBe('authorize');
    expect(ai.chats.length).toBe(before);
    ai.chatContents.push('{"decision": "authorize"}');
    expect(await understanding.understandDecision('tá bom, manda ele vir')).toBe('authorize');
    ai.chatContents.push('{"decision": null}');
    expect(await understanding.understandDecision('quem é mesmo?')).toBeUndefined();
  });
});

describe('GateWebhookClient', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => (receiver = await startWebhookReceiver()));
  afterAll(() => receiver.close());
  const client = new GateWebhookClient(outbound, {
    baseDelayMs: 20,
    maxDelayMs: 50,
    attemptTimeoutMs: 300,
    maxAttempts: 3,
  });

  it('signs the raw body with HMAC-SHA256 and retries 5xx with the same delivery id', async () => {
    receiver.received.length = 0;
    receiver.statuses.push(500, 502);
    const result = await client.deliver({
      url: receiver.url,
      secret: 's3cret-s3cret-s3cret',
      payload: { call_id: 'c1' },
    });
    expect(result).toMatchObject({ status: 'delivered', httpStatus: 200, error: null });
    expect(result.attempts.map((a) => a.httpStatus)).toEqual([500, 502, 200]);
    expect(new Set(receiver.received.map((r) => r.headers['x-switchboard-delivery'])).size).toBe(1);
    for (const request of receiver.received) {
      expect(hasValidSignature(request, 's3cret-s3cret-s3cret')).toBe(true);
      expect(request.headers['content-type']).toBe('application/json');
    }
    const body = JSON.parse(receiver.received[0]!.rawBody.toString('utf8'));
    expect(body).toMatchObject({ call_id: 'c1', delivery_id: result.deliveryId });
    expect(typeof body.timestamp).toBe('number');
  });

  it('does not retry a 4xx other than 408 and 429', async () => {
    receiver.received.length = 0;
    receiver.statuses.push(401);
    const result = await client.deliver({ url: receiver.url, secret: 'x'.repeat(16), payload: {} });
    expect(result).toMatchObject({ status: 'failed', httpStatus: 401 });
    expect(receiver.received).toHaveLength(1);
  });

  it('gives up after its attempts when nothing answers in time', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const result = await client.deliver({ url: `http://127.0.0.1:${port}/`, secret: 'x'.repeat(16), payload: {} });
    silent.closeAllConnections();
    silent.close();
    expect(result.status).toBe('failed');
    expect(result.attempts).toHaveLength(3);
    expect(result.error).toMatch(/timed out/);
  });
});
