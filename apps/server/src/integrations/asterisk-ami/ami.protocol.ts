/**
 * The AMI wire format as Asterisk 22.10.1 speaks it (test/fixtures/asterisk/ami): one banner
 * line `Asterisk Call Manager/11.0.0\r\n` with no blank line after it, then blocks of
 * `Key: Value\r\n` lines, each block ended by an empty line. Keys repeat (`Variable`,
 * `Output`), so a message is an ordered list of fields, not a map.
 */
import { StringDecoder } from 'node:string_decoder';
import { AmiInvalidArgumentError, AmiProtocolError } from './ami.errors.js';

export type AmiField = readonly [key: string, value: string];

export type AmiMessageKind = 'event' | 'response' | 'other';

export class AmiMessage {
  readonly fields: readonly AmiField[];

  constructor(fields: readonly AmiField[]) {
    this.fields = fields;
  }

  /** First value of `key`. Keys compare case-insensitively, as Asterisk compares them. */
  get(key: string): string | undefined {
    const wanted = key.toLowerCase();
    return this.fields.find(([name]) => name.toLowerCase() === wanted)?.[1];
  }

  getAll(key: string): string[] {
    const wanted = key.toLowerCase();
    return this.fields.filter(([name]) => name.toLowerCase() === wanted).map(([, value]) => value);
  }

  /**
   * `Event` decides first: `OriginateResponse` is an event that also carries
   * `Response: Success|Failure` (ami-02), and must not be taken for an action's answer.
   */
  get kind(): AmiMessageKind {
    if (this.get('Event') !== undefined) return 'event';
    if (this.get('Response') !== undefined) return 'response';
    return 'other';
  }
}

export type AmiFrame = { kind: 'banner'; version: string } | { kind: 'message'; message: AmiMessage };

const BANNER_PREFIX = 'Asterisk Call Manager/';
/** Longer than any line Asterisk writes; past it the peer is not speaking AMI. */
const MAX_LINE_LENGTH = 256 * 1024;

/**
 * Streaming parser: feed it TCP chunks as they come; it returns every complete frame. A
 * message split over reads waits for its end; several per read all come out. UTF-8 split
 * inside a character is held by the decoder.
 */
export class AmiParser {
  readonly #decoder = new StringDecoder('utf8');
  #buffer = '';
  #fields: AmiField[] = [];
  #isAtStreamStart = true;

  push(chunk: Buffer | string): AmiFrame[] {
    this.#buffer += typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    const frames: AmiFrame[] = [];
    let start = 0;
    for (let end = this.#buffer.indexOf('\n', start); end !== -1; end = this.#buffer.indexOf('\n', start)) {
      const line = this.#buffer.slice(start, end > start && this.#buffer[end - 1] === '\r' ? end - 1 : end);
      start = end + 1;
      const frame = this.#acceptLine(line);
      if (frame !== undefined) frames.push(frame);
    }
    this.#buffer = this.#buffer.slice(start);
    if (this.#buffer.length > MAX_LINE_LENGTH) {
      throw new AmiProtocolError(`a line longer than ${MAX_LINE_LENGTH} characters`);
    }
    return frames;
  }

  #acceptLine(line: string): AmiFrame | undefined {
    if (this.#isAtStreamStart) {
      this.#isAtStreamStart = false;
      if (line.startsWith(BANNER_PREFIX)) return { kind: 'banner', version: line.slice(BANNER_PREFIX.length) };
    }
    if (line.length === 0) {
      if (this.#fields.length === 0) return undefined;
      const message = new AmiMessage(this.#fields);
      this.#fields = [];
      return { kind: 'message', message };
    }
    const colon = line.indexOf(':');
    // Asterisk ignores lines without a colon (ami-04); so do we.
    if (colon <= 0) return undefined;
    // Asterisk writes `Key: Value`; drop that one space only, so `Output:` lines keep their own spacing.
    const value = line[colon + 1] === ' ' ? line.slice(colon + 2) : line.slice(colon + 1);
    this.#fields.push([line.slice(0, colon), value]);
    return undefined;
  }
}

/**
 * One action block. A CR or LF inside a value would end the header early and let the rest
 * be read as other headers (or another action), so it is refused, not escaped.
 */
export function formatAmiAction(fields: readonly AmiField[]): string {
  let text = '';
  for (const [key, value] of fields) {
    if (!/^[A-Za-z0-9_()-]+$/.test(key)) throw new AmiInvalidArgumentError(`AMI header name not allowed: ${key}`);
    if (/[\r\n]/.test(value)) throw new AmiInvalidArgumentError(`AMI header ${key} contains a line break`);
    text += `${key}: ${value}\r\n`;
  }
  return `${text}\r\n`;
}
