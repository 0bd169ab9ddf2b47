/**
 * Speech-to-text over an OpenAI-compatible `POST /v1/audio/transcriptions`: a multipart
 * form with `file` (a WAV of the utterance), `model`, `language`, optional `prompt`, and
 * `response_format=json`; the answer is `{"text": "..."}`. The same request works with
 * OpenAI, a self-hosted faster-whisper server, LocalAI and others that copy the API.
 */
import { UpstreamError } from '../../shared/errors.js';
import { encodeWav } from '../audio/wav.js';
import type { OutboundClient, OutboundResponse } from '../outbound-http/index.js';

export interface OpenAiSttOptions {
  /** Base URL (`https://api.openai.com`), a `/v1` URL, or the full endpoint. */
  url: string;
  apiKey?: string | undefined;
  model: string;
  timeoutMs?: number;
  /** The outbound guard (integrations/outbound-http): STT_URL is checked like any other URL. */
  http: OutboundClient;
}

export interface TranscribeOptions {
  /** ISO-639-1; default `pt`. */
  language?: string;
  /** Vocabulary hint (unit numbers, residents' names). */
  prompt?: string;
  signal?: AbortSignal;
}

export function endpointUrl(base: string, path: string): string {
  const trimmed = base.replace(/\/+$/, '');
  if (trimmed.endsWith(path)) return trimmed;
  if (trimmed.endsWith('/v1')) return `${trimmed}${path}`;
  return `${trimmed}/v1${path}`;
}

/** The error body OpenAI-compatible servers send: `{"error": {"message", "type", "code"}}`. */
export function upstreamMessage(response: OutboundResponse): string {
  const text = response.text();
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string };
    if (typeof body.error === 'string') return body.error.slice(0, 300);
    if (typeof body.error?.message === 'string') return body.error.message.slice(0, 300);
  } catch {
    // not JSON
  }
  return text.slice(0, 300) || `HTTP ${response.status}`;
}

export class OpenAiStt {
  private readonly endpoint: string;
  private readonly options: OpenAiSttOptions;

  constructor(options: OpenAiSttOptions) {
    this.options = options;
    this.endpoint = endpointUrl(options.url, '/audio/transcriptions');
  }

  async transcribe(pcm: Buffer, sampleRateHz: number, options: TranscribeOptions = {}): Promise<{ text: string }> {
    const form = new FormData();
    form.append('file', new Blob([encodeWav(pcm, sampleRateHz)], { type: 'audio/wav' }), 'utterance.wav');
    form.append('model', this.options.model);
    form.append('language', options.language ?? 'pt');
    form.append('response_format', 'json');
    if (options.prompt) form.append('prompt', options.prompt.slice(0, 800));
    let response: OutboundResponse;
    try {
      response = await this.options.http.request(this.endpoint, {
        method: 'POST',
        headers: this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {},
        body: form,
        timeoutMs: this.options.timeoutMs ?? 15_000,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new UpstreamError('stt.unreachable', `The speech recognizer did not answer: ${(err as Error).message}`, {
        isUnavailable: true,
      });
    }
    if (!response.ok) {
      throw new UpstreamError(
        'stt.failed',
        `The speech recognizer answered ${response.status}: ${upstreamMessage(response)}`,
      );
    }
    const body = response.json() as { text?: unknown } | undefined;
    if (typeof body?.text !== 'string') {
      throw new UpstreamError('stt.bad_response', 'The speech recognizer answered without a text field.');
    }
    return { text: body.text.trim() };
  }
}
