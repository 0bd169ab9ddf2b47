/**
 * Prompt cache in front of a TTS engine. An intercom says the same dozen sentences all
 * day: each is synthesized once per sample rate, kept in a memory LRU bounded in bytes,
 * and, when a directory is given, on disk as raw PCM so a restart does not pay again.
 * Concurrent requests for the same prompt share one synthesis.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../shared/logger.js';
import type { SynthesizedSpeech, TextToSpeechEngine } from './tts.types.js';

export interface TtsCacheOptions {
  maxMemoryBytes?: number;
  /** Persist prompts here; unset keeps them in memory only. */
  directory?: string | undefined;
  logger?: Logger;
}

export interface TtsCacheStats {
  hits: number;
  misses: number;
  diskHits: number;
  entries: number;
  bytes: number;
}

export class CachedTts implements TextToSpeechEngine {
  readonly name: string;
  private readonly engine: TextToSpeechEngine;
  private readonly maxMemoryBytes: number;
  private readonly directory: string | undefined;
  private readonly logger: Logger | undefined;
  /** Map iteration order is insertion order: the first key is the least recently used. */
  private readonly entries = new Map<string, SynthesizedSpeech>();
  private readonly inFlight = new Map<string, Promise<SynthesizedSpeech>>();
  private bytes = 0;
  private readonly counters = { hits: 0, misses: 0, diskHits: 0 };

  constructor(engine: TextToSpeechEngine, options: TtsCacheOptions = {}) {
    this.engine = engine;
    this.name = engine.name;
    this.maxMemoryBytes = options.maxMemoryBytes ?? 32 * 1024 * 1024;
    this.directory = options.directory;
    this.logger = options.logger;
  }

  stats(): TtsCacheStats {
    return { ...this.counters, entries: this.entries.size, bytes: this.bytes };
  }

  synthesize(text: string, options: { sampleRateHz: number }): Promise<SynthesizedSpeech> {
    const key = createHash('sha256')
      .update(`${this.engine.name}\u0000${options.sampleRateHz}\u0000${text}`)
      .digest('hex');
    const cached = this.entries.get(key);
    if (cached) {
      this.counters.hits += 1;
      this.entries.delete(key);
      this.entries.set(key, cached);
      return Promise.resolve(cached);
    }
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    this.counters.misses += 1;
    const work = this.load(key, text, options.sampleRateHz).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  private async load(key: string, text: string, sampleRateHz: number): Promise<SynthesizedSpeech> {
    const fromDisk = await this.readDisk(key);
    if (fromDisk) {
      this.counters.diskHits += 1;
      const speech = { pcm: fromDisk, sampleRateHz };
      this.remember(key, speech);
      return speech;
    }
    const speech = await this.engine.synthesize(text, { sampleRateHz });
    this.remember(key, speech);
    await this.writeDisk(key, speech.pcm);
    return speech;
  }

  private remember(key: string, speech: SynthesizedSpeech): void {
    if (speech.pcm.length > this.maxMemoryBytes) return;
    this.entries.set(key, speech);
    this.bytes += speech.pcm.length;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxMemoryBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.pcm.length;
    }
  }

  private async readDisk(key: string): Promise<Buffer | undefined> {
    if (!this.directory) return undefined;
    try {
      return await readFile(join(this.directory, `${key}.pcm`));
    } catch {
      return undefined;
    }
  }

  private async writeDisk(key: string, pcm: Buffer): Promise<void> {
    if (!this.directory || pcm.length === 0) return;
    try {
      await mkdir(this.directory, { recursive: true });
      // Write then rename: a reader never sees half a prompt.
      const temporary = join(this.directory, `${key}.${process.pid}.tmp`);
      await writeFile(temporary, pcm);
      await rename(temporary, join(this.directory, `${key}.pcm`));
    } catch (err) {
      this.logger?.warn({ err }, 'tts prompt not cached on disk');
    }
  }
}
