/**
 * `POST /v1/chat/completions` with `{model, messages, temperature, max_tokens}` and, when
 * asked, `response_format: {type: "json_object"}`. The answer's
 * `choices[0].message.content` is returned as text. Errors are UpstreamErrors: the bot
 * falls back to its rule-based parser when the model is slow or down.
 */
import { UpstreamError } from '../../shared/errors.js';
import type { OutboundClient, OutboundResponse } from '../outbound-http/index.js';
import { endpointUrl, upstreamMessage } from '../stt/openai.stt.js';

export interface OpenAiChatOptions {
  /** Base URL (`https://api.openai.com`), a `/v1` URL, or the full endpoint. */
  url: string;
  apiKey?: string | undefined;
  model: string;
  timeoutMs?: number;
  /** The outbound guard (integrations/outbound-http): LLM_URL is checked like any other URL. */
  http: OutboundClient;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatOptions {
  /** Ask for a JSON object (`response_format: json_object`). */
  isJson?: boolean;
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

interface ChatCompletionResponse {
  choices?: { message?: { content?: unknown }; finish_reason?: unknown }[];
}

export class OpenAiChat {
  private readonly endpoint: string;
  private readonly options: OpenAiChatOptions;

  constructor(options: OpenAiChatOptions) {
    this.options = options;
    this.endpoint = endpointUrl(options.url, '/chat/completions');
  }

  async complete(messages: ChatMessage[], options: ChatOptions = {}): Promise<string> {
    const body = {
      model: this.options.model,
      messages,
      temperature: options.temperature ?? 0,
      max_tokens: options.maxTokens ?? 300,
      ...(options.isJson ? { response_format: { type: 'json_object' } } : {}),
    };
    let response: OutboundResponse;
    try {
      response = await this.options.http.request(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify(body),
        timeoutMs: this.options.timeoutMs ?? 10_000,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new UpstreamError('llm.unreachable', `The language model did not answer: ${(err as Error).message}`, {
        isUnavailable: true,
      });
    }
    if (!response.ok) {
      throw new UpstreamError(
        'llm.failed',
        `The language model answered ${response.status}: ${upstreamMessage(response)}`,
      );
    }
    const parsed = response.json() as ChatCompletionResponse | undefined;
    const content = parsed?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') {
      throw new UpstreamError('llm.bad_response', 'The language model answered without a message.');
    }
    return content;
  }
}
