/**
 * Spoken prompts over HTTP. Asterisk plays `sound:<url>.wav` through res_http_media_cache,
 * so the sentence travels in the URL itself (base64url: ARI splits a media list on commas)
 * with an HMAC of it: any node can answer the fetch, nothing is stored between the call
 * and the fetch, and nobody outside can make this server synthesize text of their choosing.
 * The audio is espeak-ng's (pt-BR by default), 8 kHz 16-bit mono WAV, which format_wav
 * plays as is; each sentence is synthesized once (CachedTts).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError } from '../../shared/errors.js';
import type { PromptUrls, PromptVoice } from './voice-routing.ports.js';

const SAMPLE_RATE_HZ = 8000;
const MAX_TEXT_CHARS = 600;
export const PROMPT_LANGUAGES = ['pt-BR', 'en'] as const;
export type PromptLanguage = (typeof PROMPT_LANGUAGES)[number];

export class VoicePrompts implements PromptUrls {
  constructor(
    private readonly options: {
      /** How Asterisk reaches this server (ASTERISK_MEDIA_BASE_URL). */
      baseUrl: string;
      secret: string;
      engines: Record<PromptLanguage, PromptVoice>;
      encodeWav(pcm: Buffer, sampleRateHz: number): Buffer;
      /** ASTERISK_PROMPTS_DIR: prompts as files Asterisk reads, instead of over HTTP. */
      directory?: string | undefined;
    },
  ) {}

  /** The path under which a sentence is served (tests and Asterisk fetch the same). */
  pathOf(text: string, language: string): string {
    const lang = toLanguage(language);
    const clean = text.slice(0, MAX_TEXT_CHARS);
    const encoded = Buffer.from(clean, 'utf8').toString('base64url');
    return `/api/voice/prompts/${lang}/${encoded}/${this.sign(lang, clean)}.wav`;
  }

  urlOf(text: string, language: string): string {
    return `${this.options.baseUrl}${this.pathOf(text, language)}`;
  }

  /**
   * With a directory Asterisk reads (ASTERISK_PROMPTS_DIR), the WAV is written there once
   * and played as a file; otherwise Asterisk fetches the signed URL.
   */
  async mediaOf(text: string, language: string): Promise<string> {
    const directory = this.options.directory;
    if (!directory) return `sound:${this.urlOf(text, language)}`;
    const lang = toLanguage(language);
    const clean = text.slice(0, MAX_TEXT_CHARS);
    const name = createHash('sha256').update(`${lang}\u0000${clean}`).digest('hex').slice(0, 32);
    const path = join(directory, `${name}.wav`);
    if (!(await stat(path).catch(() => undefined))) {
      await mkdir(directory, { recursive: true });
      // Written then renamed: Asterisk never opens half a prompt.
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, await this.synthesize(lang, clean));
      await rename(temporary, path);
    }
    // Asterisk adds the extension of a format it can play.
    return `sound:${join(directory, name)}`;
  }

  /** The WAV of a signed sentence; a bad signature is a 404 (`prompt.not_found`), as an unknown file would be. */
  async render(language: string, encoded: string, file: string): Promise<Buffer> {
    const lang = PROMPT_LANGUAGES.find((l) => l === language);
    const signature = /^([A-Za-z0-9_-]{22})\.wav$/.exec(file)?.[1];
    const text = Buffer.from(encoded, 'base64url').toString('utf8');
    if (!lang || !signature || !this.isSigned(lang, text, signature)) {
      throw new NotFoundError('prompt.not_found', 'No such prompt.');
    }
    return this.synthesize(lang, text);
  }

  private async synthesize(lang: PromptLanguage, text: string): Promise<Buffer> {
    const speech = await this.options.engines[lang].synthesize(text, { sampleRateHz: SAMPLE_RATE_HZ });
    // No speech engine (TTS_ENGINE=none): a short silence, which Asterisk plays and ends.
    const pcm = speech.pcm.length > 0 ? speech.pcm : Buffer.alloc((SAMPLE_RATE_HZ / 5) * 2);
    return this.options.encodeWav(pcm, SAMPLE_RATE_HZ);
  }

  private sign(language: PromptLanguage, text: string): string {
    return createHmac('sha256', this.options.secret)
      .update(`prompt\u0000${language}\u0000${text}`)
      .digest('base64url')
      .slice(0, 22);
  }

  private isSigned(language: PromptLanguage, text: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(language, text));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

function toLanguage(value: string): PromptLanguage {
  return value === 'en' ? 'en' : 'pt-BR';
}
