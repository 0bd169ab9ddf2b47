/**
 * An AMI server on 127.0.0.1:0 that speaks the bytes Asterisk 22.10.1 sent in the captures
 * (test/fixtures/asterisk/ami): the banner line, CRLF blocks in Asterisk's field order,
 * Login (accepted, or rejected after a delay and closed as in ami-03), Ping, CoreShowChannels,
 * async Originate (queued, then OriginateResponse with a scripted Reason), Redirect, Hangup,
 * Getvar/Setvar, and the errors of ami-04. It parses actions as leniently as Asterisk does.
 * Tests script it and read the actions it received.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  command,
  coreShowChannels,
  coreStatus,
  error,
  formatBlock,
  hangupEvent,
  hangupList,
  loginEvents,
  originateResponse,
  originateVariables,
  parseCallerId,
  pingResponse,
  ReceivedAction,
  response,
  type AmiEmulatorChannel,
  type Fields,
  type OriginateScript,
} from './ami-emulator.actions.js';

export { ReceivedAction, type AmiEmulatorChannel, type OriginateScript } from './ami-emulator.actions.js';

export const AMI_BANNER = 'Asterisk Call Manager/11.0.0\r\n';

interface Session {
  socket: Socket;
  buffer: string;
  lines: string[];
  isAuthenticated: boolean;
  receivesEvents: boolean;
  /** Outgoing chunks, written one per tick when writes are fragmented. */
  queue: string[];
  isDraining: boolean;
}

export interface AmiEmulatorOptions {
  username?: string;
  secret?: string;
  /** Asterisk waits about 1 s before rejecting a login (ami-03); tests shorten it. */
  failedLoginDelayMs?: number;
  /** 0 (default) picks a free port; a fixed one lets a test bring "Asterisk" back where it was. */
  port?: number;
}

export class AmiEmulator {
  readonly actions: ReceivedAction[] = [];
  /** Channels by name (AMI addresses channels by name). */
  readonly channels = new Map<string, AmiEmulatorChannel>();
  readonly globals = new Map<string, string>();
  /** How each async Originate ends; answered at once by default. */
  originateScript: (action: ReceivedAction) => OriginateScript = () => ({ reason: 4 });
  /** Holds back the answer to an action, so answers can come out of order. */
  answerDelayMs: (action: ReceivedAction) => number = () => 0;
  readonly #options: Required<AmiEmulatorOptions>;
  readonly #server: Server;
  readonly #sessions = new Set<Session>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #isAnsweringPing = true;
  #fragmentBytes: number | undefined;
  #connectionsAccepted = 0;
  #sequence = 0x20;

  private constructor(options: AmiEmulatorOptions) {
    this.#options = { username: 'ami', secret: 'ami', failedLoginDelayMs: 1_000, port: 0, ...options };
    this.#server = createServer((socket) => this.#accept(socket));
  }

  static async start(options: AmiEmulatorOptions = {}): Promise<AmiEmulator> {
    const emulator = new AmiEmulator(options);
    await new Promise<void>((resolve) => emulator.#server.listen(emulator.#options.port, '127.0.0.1', resolve));
    return emulator;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get connectionsAccepted(): number {
    return this.#connectionsAccepted;
  }

  get openConnectionCount(): number {
    return this.#sessions.size;
  }

  actionsNamed(name: string): ReceivedAction[] {
    return this.actions.filter((action) => action.get('Action')?.toLowerCase() === name.toLowerCase());
  }

  /** While false, Ping gets no answer: a half-open connection as the client sees it. */
  setAnsweringPing(isAnswering: boolean): void {
    this.#isAnsweringPing = isAnswering;
  }

  /** Splits every write into chunks of `bytes`, one per event-loop turn, so the client reads partial messages. */
  setFragmentedWrites(bytes: number | undefined): void {
    this.#fragmentBytes = bytes;
  }

  /** An event to every logged-in session that asked for events. */
  emitEvent(fields: Fields): void {
    for (const session of this.#sessions) {
      if (session.isAuthenticated && session.receivesEvents) this.#write(session, formatBlock(fields));
    }
  }

  /** Bytes as given, to every connection. */
  writeRaw(text: string): void {
    for (const session of this.#sessions) this.#write(session, text);
  }

  /** Resets every TCP connection, as a network failure or an Asterisk restart would. */
  dropConnections(): void {
    for (const session of this.#sessions) session.socket.destroy();
  }

  addChannel(fields: Partial<AmiEmulatorChannel> & { name: string }): AmiEmulatorChannel {
    const uniqueid = fields.uniqueid ?? `1795437687.${this.#sequence++}`;
    const channel: AmiEmulatorChannel = {
      uniqueid,
      linkedid: uniqueid,
      state: 6,
      stateDesc: 'Up',
      callerIdNum: '<unknown>',
      callerIdName: '<unknown>',
      context: 'cc-test',
      exten: 's',
      priority: 1,
      application: 'Wait',
      applicationData: '60',
      variables: new Map(),
      ...fields,
    };
    this.channels.set(channel.name, channel);
    return channel;
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.dropConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    this.#connectionsAccepted++;
    const session: Session = {
      socket,
      buffer: '',
      lines: [],
      isAuthenticated: false,
      receivesEvents: true,
      queue: [],
      isDraining: false,
    };
    this.#sessions.add(session);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.#read(session, chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => this.#sessions.delete(session));
    this.#write(session, AMI_BANNER);
  }

  /** Asterisk's reader: LF or CRLF lines, a blank line ends a block, lines without a colon are dropped. */
  #read(session: Session, text: string): void {
    session.buffer += text;
    for (let end = session.buffer.indexOf('\n'); end !== -1; end = session.buffer.indexOf('\n')) {
      const line = session.buffer.slice(0, end).replace(/\r$/, '');
      session.buffer = session.buffer.slice(end + 1);
      if (line.length > 0) {
        session.lines.push(line);
        continue;
      }
      const raw = session.lines.join('\r\n');
      const fields: Fields = session.lines
        .filter((entry) => entry.indexOf(':') > 0)
        .map((entry) => [entry.slice(0, entry.indexOf(':')), entry.slice(entry.indexOf(':') + 1).trimStart()]);
      session.lines = [];
      const action = new ReceivedAction(fields, raw);
      this.actions.push(action);
      const delayMs = this.answerDelayMs(action);
      if (delayMs > 0) this.#later(delayMs, () => this.#handle(session, action));
      else this.#handle(session, action);
    }
  }

  #handle(session: Session, action: ReceivedAction): void {
    const name = action.get('Action');
    if (name === undefined) {
      // ami-04 bad-2 and the bare CRLF: no ActionID is echoed for the empty block.
      this.#write(session, error(action, 'Missing action in request'));
      return;
    }
    const lower = name.toLowerCase();
    if (!session.isAuthenticated && !['login', 'logoff', 'challenge'].includes(lower)) {
      this.#write(session, error(action, 'Permission denied'));
      return;
    }
    switch (lower) {
      case 'login':
        return this.#login(session, action);
      case 'logoff':
        this.#write(session, response(action, 'Goodbye', [['Message', 'Thanks for all the fish.']]));
        return this.#afterWrites(session, () => session.socket.end());
      case 'ping':
        if (this.#isAnsweringPing) this.#write(session, pingResponse(action));
        return;
      case 'coreshowchannels':
        return this.#write(session, coreShowChannels(action, [...this.channels.values()]));
      case 'corestatus':
        return this.#write(session, coreStatus(action, this.channels.size));
      case 'command':
        return this.#write(session, command(action));
      case 'originate':
        return this.#originate(session, action);
      case 'redirect':
        return this.#redirect(session, action);
      case 'hangup':
        return this.#hangup(session, action);
      case 'getvar':
        return this.#getvar(session, action);
      case 'setvar':
        return this.#setvar(session, action);
      default:
        this.#write(
          session,
          error(action, `Invalid/unknown command: ${name}. Use Action: ListCommands to show available commands.`),
        );
    }
  }

  #login(session: Session, action: ReceivedAction): void {
    const isValid = action.get('Username') === this.#options.username && action.get('Secret') === this.#options.secret;
    if (!isValid) {
      // ami-03: the rejection comes after a delay, then Asterisk closes the connection.
      this.#later(this.#options.failedLoginDelayMs, () => {
        this.#write(session, error(action, 'Authentication failed'));
        this.#afterWrites(session, () => session.socket.end());
      });
      return;
    }
    session.isAuthenticated = true;
    session.receivesEvents = (action.get('Events') ?? 'on').toLowerCase() !== 'off';
    this.#write(session, response(action, 'Success', [['Message', 'Authentication accepted']]));
    if (session.receivesEvents) this.#write(session, loginEvents(session.socket.remotePort ?? 0));
  }

  #originate(session: Session, action: ReceivedAction): void {
    const dialString = action.get('Channel');
    if (!dialString) return this.#write(session, error(action, 'Channel not specified'));
    const hasApplication = action.get('Application') !== undefined;
    if (!hasApplication && (!action.get('Exten') || !action.get('Context') || !action.get('Priority'))) {
      return this.#write(session, error(action, "Originate with 'Exten' requires 'Context' and 'Priority'"));
    }
    const isAsync = (action.get('Async') ?? '').toLowerCase() === 'true';
    const isKnownTechnology = /^(Local|PJSIP|AudioSocket)\//.test(dialString);
    if (!isAsync && !isKnownTechnology) return this.#write(session, error(action, 'Originate failed'));
    const script = isKnownTechnology ? this.originateScript(action) : { reason: 0 };
    if (isAsync) this.#write(session, response(action, 'Success', [['Message', 'Originate successfully queued']]));
    this.#later(script.delayMs ?? 0, () => {
      const channel = script.reason === 4 ? this.#createOriginatedChannels(action, dialString) : undefined;
      if (isAsync) {
        if (session.receivesEvents) this.#write(session, originateResponse(action, script.reason, channel));
      } else if (channel) {
        this.#write(session, response(action, 'Success', [['Message', 'Originate successfully queued']]));
      } else {
        this.#write(session, error(action, 'Originate failed'));
      }
    });
  }

  #createOriginatedChannels(action: ReceivedAction, dialString: string): AmiEmulatorChannel {
    const sequence = (this.#sequence++).toString(16).padStart(8, '0');
    const isLocal = dialString.startsWith('Local/');
    const caller = parseCallerId(action.get('CallerID'));
    const uniqueid = action.get('ChannelId') ?? `1795437687.${this.#sequence++}`;
    const [exten = 's', context = 'default'] = dialString.slice(dialString.indexOf('/') + 1).split('@');
    const first = this.addChannel({
      name: isLocal ? `${dialString}-${sequence};1` : `${dialString}-${sequence}`,
      uniqueid,
      callerIdNum: caller.number,
      callerIdName: caller.name,
      context: action.get('Context') ?? context,
      exten: action.get('Exten') ?? exten,
      priority: Number(action.get('Priority') ?? 1),
      application: action.get('Application') ?? 'Wait',
      applicationData: action.get('Data') ?? '',
      variables: originateVariables(action),
    });
    if (isLocal) {
      this.addChannel({
        name: `${dialString}-${sequence};2`,
        uniqueid: action.get('OtherChannelId') ?? `${uniqueid};2`,
        linkedid: uniqueid,
        callerIdNum: caller.number,
        callerIdName: caller.name,
        context,
        exten,
      });
    }
    return first;
  }

  #redirect(session: Session, action: ReceivedAction): void {
    const name = action.get('Channel');
    if (!name) return this.#write(session, error(action, 'Channel not specified'));
    if (!action.get('Context')) return this.#write(session, error(action, 'Context not specified'));
    const channel = this.channels.get(name);
    if (!channel) return this.#write(session, error(action, `Channel does not exist: ${name}`));
    channel.context = action.get('Context') ?? channel.context;
    channel.exten = action.get('Exten') ?? channel.exten;
    channel.priority = Number(action.get('Priority') ?? 1);
    this.#write(session, response(action, 'Success', [['Message', 'Redirect successful']]));
  }

  #hangup(session: Session, action: ReceivedAction): void {
    const name = action.get('Channel') ?? '';
    const cause = Number(action.get('Cause') ?? 16);
    const regex = /^\/(.*)\/$/.exec(name);
    if (regex) {
      // ami-02 hangup-cleanup: a regex hangs up a list of channels.
      const pattern = new RegExp(regex[1] ?? '');
      const matching = [...this.channels.values()].filter((channel) => pattern.test(channel.name));
      for (const channel of matching) this.channels.delete(channel.name);
      return this.#write(session, hangupList(action, matching));
    }
    const channel = this.channels.get(name);
    if (!channel) return this.#write(session, error(action, 'No such channel'));
    this.channels.delete(name);
    this.#write(session, response(action, 'Success', [['Message', 'Channel Hungup']]));
    for (const other of this.#sessions) {
      if (other.isAuthenticated && other.receivesEvents) this.#write(other, hangupEvent(channel, cause));
    }
  }

  #getvar(session: Session, action: ReceivedAction): void {
    const name = action.get('Channel');
    const variable = action.get('Variable') ?? '';
    const channel = name === undefined ? undefined : this.channels.get(name);
    if (name !== undefined && !channel) return this.#write(session, error(action, 'No such channel'));
    const value = (channel ? channel.variables : this.globals).get(variable) ?? '';
    this.#write(
      session,
      response(action, 'Success', [
        ['Variable', variable],
        ['Value', value],
      ]),
    );
  }

  /** Not in the captures: the answers are main/manager.c action_setvar's. */
  #setvar(session: Session, action: ReceivedAction): void {
    const name = action.get('Channel');
    const channel = name === undefined ? undefined : this.channels.get(name);
    if (name !== undefined && !channel) return this.#write(session, error(action, 'No such channel'));
    (channel ? channel.variables : this.globals).set(action.get('Variable') ?? '', action.get('Value') ?? '');
    this.#write(session, response(action, 'Success', [['Message', 'Variable Set']]));
  }

  #write(session: Session, text: string): void {
    if (session.socket.destroyed) return;
    if (this.#fragmentBytes === undefined) {
      session.socket.write(text);
      return;
    }
    for (let offset = 0; offset < text.length; offset += this.#fragmentBytes) {
      session.queue.push(text.slice(offset, offset + this.#fragmentBytes));
    }
    this.#drain(session);
  }

  #drain(session: Session): void {
    if (session.isDraining) return;
    const chunk = session.queue.shift();
    if (chunk === undefined || session.socket.destroyed) return;
    session.isDraining = true;
    session.socket.write(chunk, () => {
      session.isDraining = false;
      setImmediate(() => this.#drain(session));
    });
  }

  /** Runs `then` once everything queued for the session has been written. */
  #afterWrites(session: Session, then: () => void): void {
    const check = (): void => {
      if (session.socket.destroyed) return;
      if (session.queue.length === 0 && !session.isDraining) then();
      else setImmediate(check);
    };
    check();
  }

  #later(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, delayMs);
    this.#timers.add(timer);
  }
}
