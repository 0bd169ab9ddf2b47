import { connect, type Socket } from 'node:net';
import type { Logger } from '../../shared/logger.js';
import {
  AmiActionError,
  AmiAuthenticationError,
  AmiConnectionLostError,
  type AmiError,
  AmiProtocolError,
  AmiTimeoutError,
} from './ami.errors.js';
import { AmiParser, formatAmiAction, type AmiField, type AmiMessage } from './ami.protocol.js';

export interface AmiSessionOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  /** `Events: on|off` at Login. Off also silences OriginateResponse, so async Originate needs it on. */
  receivesEvents: boolean;
  /** TCP connect, banner and Login together. A failed login answers after ~1 s (ami-03). */
  connectTimeoutMs: number;
  nextActionId: () => string;
  logger: Logger;
}

export interface AmiListResult {
  /** `Response: Success` with `EventList: start`. */
  response: AmiMessage;
  /** The item events, in order (e.g. one `CoreShowChannel` per channel). */
  items: AmiMessage[];
  /** The closing event with `EventList: Complete` and `ListItems`. */
  complete: AmiMessage | undefined;
}

type PendingMode = 'single' | 'list' | 'originate';

interface Pending {
  action: string;
  mode: PendingMode;
  resolve: (value: unknown) => void;
  reject: (error: AmiError) => void;
  timer: NodeJS.Timeout;
  response?: AmiMessage;
  items: AmiMessage[];
}

export interface AmiSessionHandlers {
  onEvent: (event: AmiMessage) => void;
  onClose: (reason: string) => void;
}

/**
 * One logged-in AMI connection: correlates answers with actions by ActionID, gathers event
 * lists, and waits for an async Originate's OriginateResponse. `AmiClient` owns reconnects.
 */
export class AmiSession {
  readonly #socket: Socket;
  readonly #handlers: AmiSessionHandlers;
  readonly #options: AmiSessionOptions;
  readonly #parser = new AmiParser();
  readonly #pending = new Map<string, Pending>();
  #isClosed = false;
  #closeReason = 'closed';
  #onBanner: (() => void) | undefined;

  private constructor(socket: Socket, options: AmiSessionOptions, handlers: AmiSessionHandlers) {
    this.#socket = socket;
    this.#options = options;
    this.#handlers = handlers;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (chunk) => this.#handleData(chunk));
    socket.on('error', (error) => {
      this.#closeReason = error.message;
    });
    socket.on('close', () => this.#handleClose());
  }

  /** Connects, waits for the banner and logs in. Rejects with AmiAuthenticationError on bad credentials. */
  static async open(options: AmiSessionOptions, handlers: AmiSessionHandlers): Promise<AmiSession> {
    const socket = connect({ host: options.host, port: options.port });
    const session = new AmiSession(socket, options, handlers);
    const timer = setTimeout(() => session.destroy('connect timed out'), options.connectTimeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        session.#onBanner = resolve;
        socket.once('close', () => reject(new AmiConnectionLostError(session.#closeReason)));
      });
      await session.#login();
      return session;
    } catch (error) {
      session.destroy('login failed');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  sendAction(action: string, fields: readonly AmiField[], timeoutMs: number): Promise<AmiMessage> {
    return this.#send(action, fields, 'single', timeoutMs) as Promise<AmiMessage>;
  }

  sendListAction(action: string, fields: readonly AmiField[], timeoutMs: number): Promise<AmiListResult> {
    return this.#send(action, fields, 'list', timeoutMs) as Promise<AmiListResult>;
  }

  /** Resolves with the OriginateResponse event; the immediate "queued" answer only extends the wait. */
  sendOriginate(fields: readonly AmiField[], timeoutMs: number): Promise<AmiMessage> {
    return this.#send('Originate', fields, 'originate', timeoutMs) as Promise<AmiMessage>;
  }

  /** Logoff (answered `Goodbye`, then Asterisk closes), bounded by `timeoutMs`. */
  async logoff(timeoutMs: number): Promise<void> {
    if (this.#isClosed) return;
    await this.sendAction('Logoff', [], timeoutMs).catch(() => undefined);
    this.destroy('logged off');
  }

  destroy(reason: string): void {
    if (this.#isClosed) return;
    this.#closeReason = reason;
    this.#socket.destroy();
  }

  async #login(): Promise<void> {
    const fields: AmiField[] = [
      ['Username', this.#options.username],
      ['Secret', this.#options.password],
      ['Events', this.#options.receivesEvents ? 'on' : 'off'],
    ];
    try {
      await this.sendAction('Login', fields, this.#options.connectTimeoutMs);
    } catch (error) {
      if (error instanceof AmiActionError) throw new AmiAuthenticationError(error.asteriskMessage);
      throw error;
    }
  }

  #send(action: string, fields: readonly AmiField[], mode: PendingMode, timeoutMs: number): Promise<unknown> {
    if (this.#isClosed) return Promise.reject(new AmiConnectionLostError(this.#closeReason));
    const actionId = this.#options.nextActionId();
    const text = formatAmiAction([['Action', action], ['ActionID', actionId], ...fields]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(actionId);
        reject(new AmiTimeoutError(action, timeoutMs));
      }, timeoutMs);
      this.#pending.set(actionId, { action, mode, resolve, reject, timer, items: [] });
      this.#socket.write(text);
    });
  }

  #handleData(chunk: Buffer): void {
    let frames;
    try {
      frames = this.#parser.push(chunk);
    } catch (error) {
      const reason = error instanceof AmiProtocolError ? error.message : 'unparsable data';
      this.#options.logger.warn({ reason }, 'ami stream not understood; dropping connection');
      this.destroy(reason);
      return;
    }
    for (const frame of frames) {
      if (frame.kind === 'banner') {
        this.#options.logger.debug({ version: frame.version }, 'ami banner received');
        this.#onBanner?.();
        this.#onBanner = undefined;
      } else {
        this.#handleMessage(frame.message);
      }
    }
  }

  #handleMessage(message: AmiMessage): void {
    const actionId = message.get('ActionID');
    const pending = actionId === undefined ? undefined : this.#pending.get(actionId);
    if (message.kind === 'event') {
      if (pending?.mode === 'list') {
        if (message.get('EventList')?.toLowerCase() === 'complete') {
          this.#settle(actionId, () =>
            pending.resolve({ response: pending.response, items: pending.items, complete: message }),
          );
        } else {
          pending.items.push(message);
        }
        return;
      }
      if (pending?.mode === 'originate' && message.get('Event') === 'OriginateResponse') {
        this.#settle(actionId, () => pending.resolve(message));
      }
      this.#handlers.onEvent(message);
      return;
    }
    if (pending === undefined) return;
    if (message.get('Response') === 'Error') {
      this.#settle(actionId, () => pending.reject(new AmiActionError(pending.action, message)));
    } else if (pending.mode === 'single') {
      this.#settle(actionId, () => pending.resolve(message));
    } else if (pending.mode === 'list' && message.get('EventList')?.toLowerCase() !== 'start') {
      this.#settle(actionId, () => pending.resolve({ response: message, items: [], complete: undefined }));
    } else {
      pending.response = message;
    }
  }

  #settle(actionId: string | undefined, settle: () => void): void {
    if (actionId === undefined) return;
    const pending = this.#pending.get(actionId);
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    this.#pending.delete(actionId);
    settle();
  }

  #handleClose(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    for (const [actionId, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(actionId);
      pending.reject(new AmiConnectionLostError(this.#closeReason));
    }
    this.#handlers.onClose(this.#closeReason);
  }
}
