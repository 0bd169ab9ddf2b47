/**
 * A local HTTP server answering like an OpenAI-compatible API, for the voice bot's speech
 * adapters: `POST /v1/audio/transcriptions` (multipart, answers `{"text": …}`) and
 * `POST /v1/chat/completions` (answers a `chat.completion` object). Answers are scripted
 * per test; every request is recorded.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TranscriptionRequest {
  authorization: string | undefined;
  model: string;
  language: string | null;
  prompt: string | null;
  responseFormat: string | null;
  fileName: string;
  fileType: string;
  wav: Buffer;
}

export interface ChatRequest {
  authorization: string | undefined;
  body: {
    model: string;
    messages: { role: string; content: string }[];
    response_format?: { type: string };
    temperature?: number;
    max_tokens?: number;
  };
}

export type StubAnswer = { status: number; body: unknown } | { delayMs: number; status: number; body: unknown };

export interface OpenAiStub {
  url: string;
  transcriptions: TranscriptionRequest[];
  chats: ChatRequest[];
  /** Texts the next transcriptions answer, in order; empty: `""`. */
  transcripts: string[];
  /** Contents the next chat completions answer, in order. */
  chatContents: string[];
  /** Raw answers that take precedence over the scripts (errors, delays). */
  nextAnswers: StubAnswer[];
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export function chatCompletion(content: string, model = 'gpt-4o-mini') {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      { index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    system_fingerprint: 'fp_test',
  };
}

export async function startOpenAiStub(): Promise<OpenAiStub> {
  const stub: Omit<OpenAiStub, 'url' | 'close'> = {
    transcriptions: [],
    chats: [],
    transcripts: [],
    chatContents: [],
    nextAnswers: [],
  };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const raw = await readBody(request);
      const send = async (answer: StubAnswer) => {
        if ('delayMs' in answer) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
        if (response.destroyed) return;
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer.body));
      };
      if (request.method === 'POST' && request.url === '/v1/audio/transcriptions') {
        const form = await new Request('http://stub/', {
          method: 'POST',
          headers: { 'content-type': request.headers['content-type'] ?? '' },
          body: raw,
        }).formData();
        const file = form.get('file') as File;
        stub.transcriptions.push({
          authorization: request.headers.authorization,
          model: form.get('model') as string,
          language: form.get('language') as string | null,
          prompt: form.get('prompt') as string | null,
          responseFormat: form.get('response_format') as string | null,
          fileName: file.name,
          fileType: file.type,
          wav: Buffer.from(await file.arrayBuffer()),
        });
        await send(stub.nextAnswers.shift() ?? { status: 200, body: { text: stub.transcripts.shift() ?? '' } });
        return;
      }
      if (request.method === 'POST' && request.url === '/v1/chat/completions') {
        const body = JSON.parse(raw.toString('utf8')) as ChatRequest['body'];
        stub.chats.push({ authorization: request.headers.authorization, body });
        await send(
          stub.nextAnswers.shift() ?? {
            status: 200,
            body: chatCompletion(stub.chatContents.shift() ?? '{}', body.model),
          },
        );
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', code: null } }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...stub,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
