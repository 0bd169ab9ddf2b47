/**
 * Call commands accepted on every node, executed by the node that owns the PBX (ADR 23).
 *
 * The routes call the same CallsService as ever; on a node that does not hold the ARI
 * lease (calls.ownership.ts) the service's actions are wrapped so the command (its name and
 * arguments, the actor included) travels to the holder over the node-to-node relay (Redis
 * request/reply), which runs the very same method and answers its result or its error.
 * The accepting node returns that result, so status codes and problem+json are the
 * holder's own. Reads (history, notes, recordings) never travel: every node has the
 * database.
 *
 * - No holder (the lease expired and nobody took it yet): retried until the lease can have
 *   changed hands (`HOLDER_WAIT_MS`), then 503 `pbx.no_owner`.
 * - A holder that does not answer within the deadline: 503 `pbx.owner_timeout`; the
 *   command may have been carried out, as the message says.
 * - A request that reaches a node that is no longer the holder is answered `not_holder`
 *   and sent again to whoever holds the lease now.
 */
import {
  AppError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableError,
  UpstreamError,
  ValidationError,
  type FieldIssue,
} from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { PbxOwnership } from './calls.ownership.js';
import type { CallsService } from './calls.service.js';

export type RelayResult = { status: 'replied'; body: string } | { status: 'unreachable' } | { status: 'timeout' };

/** Node-to-node request/reply (implemented over Redis by the composition root). */
export interface CommandRelay {
  request(nodeId: string, topic: string, body: string, timeoutMs: number): Promise<RelayResult>;
  serve(topic: string, handler: (body: string) => Promise<string>): void;
}

export const CALL_COMMAND_TOPIC = 'call-command';
/** How long a command may take on the holder, PBX round trips included. */
export const DEFAULT_COMMAND_DEADLINE_MS = 8_000;
/** Longest wait for a holder: a dead holder's lease runs out and another node takes it. */
const HOLDER_WAIT_MS = 6_000;
const RETRY_MS = 150;

type Handler = (args: unknown[]) => Promise<unknown>;

interface EncodedError {
  type: string;
  code: string;
  message: string;
  details?: Record<string, unknown> | undefined;
  issues?: FieldIssue[];
  retryAfterSeconds?: number;
  isUnavailable?: boolean;
}

type Reply = { ok: true; value: unknown } | { ok: false; error: EncodedError } | { notHolder: true };

export interface CallCommandRouterOptions {
  ownership: PbxOwnership | undefined;
  relay: CommandRelay | undefined;
  logger: Logger;
  deadlineMs?: number;
}

/** Runs a named command here when this node owns the PBX, on the owner otherwise. */
export class CallCommandRouter {
  readonly #handlers = new Map<string, Handler>();
  readonly #deadlineMs: number;

  constructor(private readonly options: CallCommandRouterOptions) {
    this.#deadlineMs = options.deadlineMs ?? DEFAULT_COMMAND_DEADLINE_MS;
    options.relay?.serve(CALL_COMMAND_TOPIC, (body) => this.#serve(body));
  }

  /** A command the holder may be asked to run on another node's behalf. */
  register(name: string, handler: Handler): void {
    if (this.#handlers.has(name)) throw new Error(`call command ${name} registered twice`);
    this.#handlers.set(name, handler);
  }

  async run<T>(name: string, args: unknown[], local: () => Promise<T>): Promise<T> {
    const { ownership, relay, logger } = this.options;
    if (!ownership || ownership.isHolder()) return local();
    if (!relay) {
      throw new UpstreamError(
        'pbx.not_owner',
        'This node does not control calls and cannot reach the node that does (set REDIS_URL on every node).',
        { isUnavailable: true },
      );
    }
    const startedAt = Date.now();
    const body = encode({ name, args });
    for (;;) {
      const holder = await ownership.findHolder();
      if (holder === ownership.nodeId) return local();
      const elapsed = Date.now() - startedAt;
      if (holder !== undefined) {
        const result = await relay.request(holder, CALL_COMMAND_TOPIC, body, this.#deadlineMs - elapsed);
        if (result.status === 'timeout') {
          logger.warn({ command: name, holder }, 'forwarded call command timed out');
          throw new UpstreamError(
            'pbx.owner_timeout',
            'The node that controls calls did not answer in time; the action may or may not have been carried out.',
            { isUnavailable: true },
          );
        }
        if (result.status === 'replied') {
          const reply = decode(result.body) as Reply;
          if ('ok' in reply) {
            logger.debug({ command: name, holder }, 'call command forwarded');
            if (reply.ok) return reply.value as T;
            throw toAppError(reply.error);
          }
        }
        // Unreachable, or no longer the holder: the lease is changing hands.
      }
      if (Date.now() - startedAt > Math.min(HOLDER_WAIT_MS, this.#deadlineMs)) {
        throw new UpstreamError(
          'pbx.no_owner',
          'No node controls calls right now (the PBX connection is changing hands or down); try again shortly.',
          { isUnavailable: true },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  async #serve(body: string): Promise<string> {
    const { ownership, logger } = this.options;
    if (ownership && !ownership.isHolder()) return encode({ notHolder: true } satisfies Reply);
    let command: { name: string; args: unknown[] };
    try {
      command = decode(body) as { name: string; args: unknown[] };
    } catch {
      return encode({ ok: false, error: internalError() } satisfies Reply);
    }
    const handler = this.#handlers.get(command.name);
    if (!handler || !Array.isArray(command.args)) return encode({ ok: false, error: internalError() } satisfies Reply);
    logger.info({ command: command.name }, 'executing a call command forwarded by another node');
    try {
      return encode({ ok: true, value: await handler(command.args) } satisfies Reply);
    } catch (error) {
      if (!(error instanceof AppError)) logger.error({ err: error, command: command.name }, 'forwarded command failed');
      return encode({ ok: false, error: encodeError(error) } satisfies Reply);
    }
  }
}

/** What other modules use to have their PBX actions run on the owner (voice routing). */
export interface CallCommands {
  /** `target` whose `actions` run on the node that owns the PBX; `prefix` names them on the wire. */
  forward<T extends object>(target: T, prefix: string, actions: readonly (keyof T & string)[]): T;
}

export function callCommandsOf(router: CallCommandRouter): CallCommands {
  return { forward: (target, prefix, actions) => forwarding(target, prefix, actions, router) };
}

const CALL_ACTIONS = ['makeCall', 'answerCall', 'hangupCall', 'transferCall'] as const;
const CONSULT_ACTIONS = ['hold', 'unhold', 'consult', 'complete', 'cancel', 'swap'] as const;
const MONITOR_ACTIONS = ['start', 'switchMode', 'stop'] as const;

/**
 * The CallsService the routes and other modules use: the same object, whose PBX actions
 * (click-to-call, answer, hang up, transfer, hold, consult, monitor) run on the owner.
 */
export function forwardingCallsService(calls: CallsService, router: CallCommandRouter): CallsService {
  const consults = forwarding(calls.consults, 'consults', CONSULT_ACTIONS, router);
  const monitors = forwarding(calls.monitors, 'monitors', MONITOR_ACTIONS, router);
  return forwarding(calls, 'calls', CALL_ACTIONS, router, { consults, monitors });
}

/** Wraps `actions` of `target` in `router.run`, and registers them for the holder's side. */
export function forwarding<T extends object>(
  target: T,
  prefix: string,
  actions: readonly (keyof T & string)[],
  router: CallCommandRouter,
  /** Properties answered instead of the target's (the wrapped sub-services). */
  replaced: Partial<Record<keyof T & string, unknown>> = {},
): T {
  const names = new Set<string>(actions);
  const methodOf = (name: string) => (target as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
  for (const name of actions) {
    router.register(`${prefix}.${name}`, (args) => methodOf(name)!.apply(target, args));
  }
  return new Proxy(target, {
    get(object, property) {
      if (typeof property === 'string' && Object.hasOwn(replaced, property)) {
        return replaced[property as keyof T & string];
      }
      const value: unknown = Reflect.get(object, property, object);
      if (typeof property === 'string' && names.has(property)) {
        return (...args: unknown[]) =>
          router.run(`${prefix}.${property}`, args, () => methodOf(property)!.apply(object, args));
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(object) : value;
    },
  });
}

/** JSON that keeps Dates (results carry them: answered_at, timelines…). */
export function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, item: unknown) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.toISOString() } : item;
  });
}

export function decode(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      if (keys.length === 1 && keys[0] === '$date' && typeof record.$date === 'string') return new Date(record.$date);
    }
    return value;
  });
}

function internalError(): EncodedError {
  return { type: 'Error', code: 'internal', message: 'The command failed on the node that controls calls.' };
}

function encodeError(error: unknown): EncodedError {
  if (!(error instanceof AppError)) return internalError();
  return {
    type: error.constructor.name,
    code: error.code,
    message: error.message,
    details: error.details,
    ...(error instanceof ValidationError || error instanceof UnprocessableError ? { issues: error.issues } : {}),
    ...(error instanceof TooManyRequestsError ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    ...(error instanceof UpstreamError ? { isUnavailable: error.isUnavailable } : {}),
  };
}

/** The holder's error as the same class here, so the problem+json is the same. */
function toAppError(error: EncodedError): Error {
  switch (error.type) {
    case 'NotFoundError':
      return new NotFoundError(error.code, error.message, error.details);
    case 'ConflictError':
      return new ConflictError(error.code, error.message, error.details);
    case 'UnauthorizedError':
      return new UnauthorizedError(error.code, error.message, error.details);
    case 'ForbiddenError':
      return new ForbiddenError(error.code, error.message, error.details);
    case 'ValidationError':
      return new ValidationError(error.code, error.message, error.issues ?? []);
    case 'UnprocessableError':
      return new UnprocessableError(error.code, error.message, error.issues ?? []);
    case 'TooManyRequestsError':
      return new TooManyRequestsError(error.code, error.message, error.retryAfterSeconds ?? 1);
    case 'UpstreamError':
      return new UpstreamError(error.code, error.message, { isUnavailable: error.isUnavailable ?? false });
    case 'Error':
      return new Error(error.message);
    default:
      return new AppError(error.code, error.message, error.details);
  }
}
