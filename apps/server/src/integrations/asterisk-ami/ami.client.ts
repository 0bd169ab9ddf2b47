import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from '../../shared/logger.js';
import { AmiAuthenticationError, AmiInvalidArgumentError, AmiNotConnectedError, type AmiError } from './ami.errors.js';
import {
  buildOriginateFields,
  readOriginateResponse,
  type AmiOriginateParams,
  type AmiOriginateResult,
} from './ami.originate.js';
import type { AmiField, AmiMessage } from './ami.protocol.js';
import { AmiSession, type AmiListResult } from './ami.session.js';
import { computeReconnectDelayMs } from '../../shared/backoff.js';

/** `failed`: Asterisk rejected the credentials; retrying would only feed its security log. */
export type AmiConnectionState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'stopped';

export interface AmiStateChange {
  state: AmiConnectionState;
  previous: AmiConnectionState;
  error?: AmiError;
}

export interface AmiClientOptions {
  host: string;
  /** ASTERISK_AMI_PORT, 5038 by default. */
  port: number;
  username: string;
  password: string;
  logger: Logger;
  /** Default true. Off means no events at all, OriginateResponse included. */
  receivesEvents?: boolean;
  actionTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** A Ping every interval; no Pong within `keepAliveTimeoutMs` drops the connection. 0 turns it off. */
  keepAliveIntervalMs?: number;
  keepAliveTimeoutMs?: number;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Jitter source, replaceable in tests. */
  random?: () => number;
}

/** One row of `CoreShowChannels` (ami-02 `CoreShowChannel` events). */
export interface AmiChannel {
  channelName: string;
  asteriskChannelId: string;
  linkedAsteriskChannelId: string;
  state: string;
  context: string;
  exten: string;
  priority: number;
  application: string;
  applicationData: string;
  callerIdNumber: string;
  callerIdName: string;
  connectedLineNumber: string;
  connectedLineName: string;
  bridgeId: string;
  /** `HH:MM:SS` */
  duration: string;
}

/** Margin on top of the ring timeout before an Originate with no OriginateResponse is given up. */
const ORIGINATE_RESPONSE_MARGIN_MS = 15_000;
/** Asterisk rings an Originate for 30 s when no Timeout is given. */
const ASTERISK_DEFAULT_ORIGINATE_TIMEOUT_MS = 30_000;

/**
 * AMI over TCP: keeps one logged-in session, reconnects with capped, jittered backoff,
 * checks liveness with Ping, and offers the actions Switchboard uses. Actions sent while
 * disconnected fail at once with AmiNotConnectedError instead of waiting in a queue.
 */
export class AmiClient {
  readonly #options: AmiClientOptions;
  readonly #logger: Logger;
  readonly #eventListeners = new Set<(event: AmiMessage) => void>();
  readonly #stateListeners = new Set<(change: AmiStateChange) => void>();
  readonly #actionIdPrefix = randomBytes(4).toString('hex');
  #actionCount = 0;
  #state: AmiConnectionState = 'idle';
  #session: AmiSession | undefined;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #keepAliveTimer: NodeJS.Timeout | undefined;

  constructor(options: AmiClientOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ amiHost: options.host, amiPort: options.port });
  }

  get state(): AmiConnectionState {
    return this.#state;
  }

  onEvent(listener: (event: AmiMessage) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  onStateChange(listener: (change: AmiStateChange) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  start(): void {
    if (this.#state === 'connecting' || this.#state === 'connected') return;
    this.#attempt = 0;
    void this.#open();
  }

  async stop(): Promise<void> {
    this.#setState('stopped');
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#keepAliveTimer);
    const session = this.#session;
    this.#session = undefined;
    await session?.logoff(1_000);
  }

  async sendAction(
    action: string,
    fields: readonly AmiField[] = [],
    options: { timeoutMs?: number } = {},
  ): Promise<AmiMessage> {
    return this.#requireSession(action).sendAction(action, fields, options.timeoutMs ?? this.#actionTimeoutMs);
  }

  /** For list actions (`EventList: start` … `EventList: Complete`), gathered into one result. */
  async sendListAction(
    action: string,
    fields: readonly AmiField[] = [],
    options: { timeoutMs?: number } = {},
  ): Promise<AmiListResult> {
    return this.#requireSession(action).sendListAction(action, fields, options.timeoutMs ?? this.#actionTimeoutMs);
  }

  async ping(): Promise<void> {
    await this.sendAction('Ping');
  }

  async listChannels(): Promise<AmiChannel[]> {
    const { items } = await this.sendListAction('CoreShowChannels');
    return items.filter((item) => item.get('Event') === 'CoreShowChannel').map(toAmiChannel);
  }

  /**
   * Async Originate. Resolves with the outcome once OriginateResponse arrives (after the
   * call is answered or has failed), never rejecting for busy or no answer. The channel
   * ids are ours (generated when absent) so ARI events of the same call carry them too.
   */
  async originate(params: AmiOriginateParams): Promise<AmiOriginateResult> {
    if (this.#options.receivesEvents === false) {
      throw new AmiInvalidArgumentError('async Originate needs events: its result is the OriginateResponse event');
    }
    const ids = {
      asteriskChannelId: params.asteriskChannelId ?? randomUUID(),
      otherAsteriskChannelId: params.otherAsteriskChannelId,
    };
    const fields = buildOriginateFields(params, ids);
    const session = this.#requireSession('Originate');
    const waitMs = (params.timeoutMs ?? ASTERISK_DEFAULT_ORIGINATE_TIMEOUT_MS) + ORIGINATE_RESPONSE_MARGIN_MS;
    const event = await session.sendOriginate(fields, waitMs);
    const result = readOriginateResponse(event, ids);
    this.#logger.info(
      { asteriskChannelId: ids.asteriskChannelId, outcome: result.outcome, reasonCode: result.reasonCode },
      'ami originate finished',
    );
    return result;
  }

  /** Moves a channel (and optionally its peer) to a dialplan location; it also pulls a channel out of Stasis (s06). */
  async redirect(params: {
    channelName: string;
    context: string;
    exten: string;
    priority: number;
    extraChannelName?: string;
  }): Promise<void> {
    const fields: AmiField[] = [
      ['Channel', params.channelName],
      ['Context', params.context],
      ['Exten', params.exten],
      ['Priority', String(params.priority)],
    ];
    if (params.extraChannelName !== undefined) {
      fields.push(
        ['ExtraChannel', params.extraChannelName],
        ['ExtraContext', params.context],
        ['ExtraExten', params.exten],
        ['ExtraPriority', String(params.priority)],
      );
    }
    await this.sendAction('Redirect', fields);
  }

  /** By channel name, as the captures show (ami-02 hangup-1). `cause` is Q.850, e.g. 16. */
  async hangup(channelName: string, options: { cause?: number } = {}): Promise<void> {
    const fields: AmiField[] = [['Channel', channelName]];
    if (options.cause !== undefined) fields.push(['Cause', String(options.cause)]);
    await this.sendAction('Hangup', fields);
  }

  /** Without `channelName`, a global variable. The value travels whole (unlike Originate's Variable). */
  async setVariable(params: { channelName?: string; variable: string; value: string }): Promise<void> {
    const fields: AmiField[] = [];
    if (params.channelName !== undefined) fields.push(['Channel', params.channelName]);
    fields.push(['Variable', params.variable], ['Value', params.value]);
    await this.sendAction('Setvar', fields);
  }

  /** An unset variable reads as `''` (ami-04 ok-15), not as an error. */
  async getVariable(params: { channelName?: string; variable: string }): Promise<string> {
    const fields: AmiField[] = [];
    if (params.channelName !== undefined) fields.push(['Channel', params.channelName]);
    fields.push(['Variable', params.variable]);
    const response = await this.sendAction('Getvar', fields);
    return response.get('Value') ?? '';
  }

  get #actionTimeoutMs(): number {
    return this.#options.actionTimeoutMs ?? 10_000;
  }

  #requireSession(action: string): AmiSession {
    const session = this.#session;
    if (this.#state !== 'connected' || session === undefined || session.isClosed) {
      throw new AmiNotConnectedError(action);
    }
    return session;
  }

  #nextActionId = (): string => `sb-${this.#actionIdPrefix}-${++this.#actionCount}`;

  async #open(): Promise<void> {
    clearTimeout(this.#reconnectTimer);
    this.#setState('connecting');
    // Set only once the session is ours: a session that fails to open also closes, and that
    // close must not schedule a second reconnect.
    const adopted: { session?: AmiSession } = {};
    let session: AmiSession;
    try {
      session = await AmiSession.open(
        {
          host: this.#options.host,
          port: this.#options.port,
          username: this.#options.username,
          password: this.#options.password,
          receivesEvents: this.#options.receivesEvents ?? true,
          connectTimeoutMs: this.#options.connectTimeoutMs ?? 5_000,
          nextActionId: this.#nextActionId,
          logger: this.#logger,
        },
        {
          onEvent: (event) => this.#dispatchEvent(event),
          onClose: (reason) => {
            if (adopted.session !== undefined) this.#handleSessionClose(adopted.session, reason);
          },
        },
      );
    } catch (error) {
      if (this.#state === 'stopped') return;
      if (error instanceof AmiAuthenticationError) {
        this.#logger.error({ username: this.#options.username }, 'ami login rejected; not reconnecting');
        this.#setState('failed', error);
        return;
      }
      this.#scheduleReconnect(error instanceof Error ? error.message : 'connect failed');
      return;
    }
    if (this.#state === 'stopped') {
      session.destroy('client stopped');
      return;
    }
    adopted.session = session;
    this.#session = session;
    this.#attempt = 0;
    this.#setState('connected');
    this.#logger.info({}, 'ami connected');
    this.#startKeepAlive(session);
  }

  #handleSessionClose(session: AmiSession, reason: string): void {
    if (this.#session !== session) return;
    this.#session = undefined;
    clearInterval(this.#keepAliveTimer);
    if (this.#state === 'stopped' || this.#state === 'failed') return;
    this.#scheduleReconnect(reason);
  }

  #scheduleReconnect(reason: string): void {
    this.#setState('disconnected');
    const delayMs = computeReconnectDelayMs(
      this.#attempt++,
      this.#options.reconnect,
      this.#options.random ?? Math.random,
    );
    this.#logger.warn({ reason, delayMs }, 'ami disconnected; reconnecting');
    this.#reconnectTimer = setTimeout(() => void this.#open(), delayMs);
  }

  #startKeepAlive(session: AmiSession): void {
    const intervalMs = this.#options.keepAliveIntervalMs ?? 15_000;
    const timeoutMs = this.#options.keepAliveTimeoutMs ?? 5_000;
    clearInterval(this.#keepAliveTimer);
    if (intervalMs <= 0) return;
    let isPinging = false;
    this.#keepAliveTimer = setInterval(() => {
      if (isPinging || session.isClosed) return;
      isPinging = true;
      session
        .sendAction('Ping', [], timeoutMs)
        .catch(() => {
          // A half-open TCP connection (Asterisk host gone) never errors by itself.
          this.#logger.warn({ timeoutMs }, 'ami keep-alive ping unanswered; dropping connection');
          session.destroy('keep-alive ping unanswered');
        })
        .finally(() => {
          isPinging = false;
        });
    }, intervalMs);
  }

  #dispatchEvent(event: AmiMessage): void {
    for (const listener of this.#eventListeners) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.error({ err: error }, 'ami event listener threw');
      }
    }
  }

  #setState(state: AmiConnectionState, error?: AmiError): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    const change: AmiStateChange = error === undefined ? { state, previous } : { state, previous, error };
    for (const listener of this.#stateListeners) {
      try {
        listener(change);
      } catch (listenerError) {
        this.#logger.error({ err: listenerError }, 'ami state listener threw');
      }
    }
  }
}

function toAmiChannel(item: AmiMessage): AmiChannel {
  const read = (key: string) => item.get(key) ?? '';
  return {
    channelName: read('Channel'),
    asteriskChannelId: read('Uniqueid'),
    linkedAsteriskChannelId: read('Linkedid'),
    state: read('ChannelStateDesc'),
    context: read('Context'),
    exten: read('Exten'),
    priority: Number(read('Priority')),
    application: read('Application'),
    applicationData: read('ApplicationData'),
    callerIdNumber: read('CallerIDNum'),
    callerIdName: read('CallerIDName'),
    connectedLineNumber: read('ConnectedLineNum'),
    connectedLineName: read('ConnectedLineName'),
    bridgeId: read('BridgeId'),
    duration: read('Duration'),
  };
}
