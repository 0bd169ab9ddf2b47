/**
 * The embedded database's statements, cheaper than PGlite's `query` (ADR 29).
 *
 * PGlite's `query` parses, plans, describes, binds and executes every statement from its
 * text, in six calls into PostgreSQL (Parse, Describe S, Bind, Describe P, Execute, Sync),
 * and decodes the rows through generic protocol message objects. Here a statement with
 * parameters is parsed once per text as a named server-side prepared statement (PostgreSQL
 * keeps its plan, as it does for drizzle's named statements on a PostgreSQL server), and
 * each execution is one call (Bind, Execute, Sync) whose rows are decoded straight from the
 * wire bytes with only the parsers their columns need.
 *
 * Locking is PGlite's own: outside a transaction a statement holds PGlite's transaction
 * and query mutexes, as `PGlite.query` does; inside `transaction(fn)` (PGlite's, one at a
 * time, BEGIN/COMMIT/ROLLBACK as before) it holds the query mutex. Statements without
 * parameters (migrations' DDL, `select 1`, BEGIN/COMMIT) go through PGlite unchanged.
 *
 * A statement or transaction issued outside a transaction first waits for its turn, in the
 * order they were asked for, shared by every client of the same PGlite (`Turns`: runs of at
 * most about 1 ms, the event loop polling for I/O between runs). A statement runs
 * synchronously on the event loop, so without turns a loop iteration ran every statement its
 * I/O callbacks issued (one per request read, 50 at 50 connections) before it polled again,
 * and libuv accepts one connection per poll: a new connection waited one such iteration per
 * connection ahead of it (up to 1.5 s at 50 connections), and requests were served in
 * batches. With turns, the sockets are polled between runs, so requests are accepted, read
 * and answered in arrival order.
 */
import {
  messages,
  protocol,
  type PGlite,
  type QueryOptions,
  type Results,
  type Transaction,
} from '@electric-sql/pglite';

/** What drizzle's PGlite session calls: `query` and `transaction` (its `tx.query`). */
export interface PgliteQueryable {
  query<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
}
export interface PgliteStatementClient extends PgliteQueryable {
  transaction<T>(fn: (tx: PgliteQueryable & Pick<Transaction, 'exec' | 'rollback'>) => Promise<T>): Promise<T>;
}

type Parse = (value: string, typeId?: number) => unknown;
type PgliteError = messages.DatabaseError & { query?: string; params?: unknown[]; queryOptions?: QueryOptions };
type Serialize = (value: unknown) => string;

interface Prepared {
  readonly name: string;
  readonly paramTypes: readonly number[];
  readonly fields: readonly { name: string; dataTypeID: number }[];
}

/** Statement names are unique in the process: several servers may share one PGlite (tests). */
let nextStatement = 0;

/** Prepared statements kept per client; the least recently used is closed past this. */
const MAX_STATEMENTS = 500;

const EMPTY = new Uint8Array(0);

let observer: ((text: string, params: readonly unknown[]) => void) | undefined;
/**
 * Sees every statement the embedded database's clients issue, with its parameters, as
 * PGlite's `query` would have received it (bench:http records a route's SQL with it).
 */
export function observePgliteStatements(fn: ((text: string, params: readonly unknown[]) => void) | undefined): void {
  observer = fn;
}

/** How long statements may run one after another before the event loop polls for I/O. */
const SLICE_MS = 1;

/**
 * Turns on one PGlite, first asked first served. A run of turns starts in a `setImmediate`
 * (after the event loop's poll for I/O, so a statement never runs inside the I/O callback
 * that issued it) and hands the next turn on directly while the run is under `SLICE_MS`;
 * past it the next run waits for the next iteration, after its poll.
 */
class Turns {
  private readonly waiting: (() => void)[] = [];
  private isHeld = false;
  private isScheduled = false;
  private sliceStartedAt = 0;

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      if (!this.isHeld) this.schedule();
    });
    try {
      return await fn();
    } finally {
      this.isHeld = false;
      if (performance.now() - this.sliceStartedAt < SLICE_MS) this.grant();
      else this.schedule();
    }
  }

  private schedule(): void {
    if (this.isScheduled || this.waiting.length === 0) return;
    this.isScheduled = true;
    setImmediate(() => {
      this.isScheduled = false;
      this.sliceStartedAt = performance.now();
      this.grant();
    });
  }

  private grant(): void {
    const next = this.waiting.shift();
    if (!next) return;
    this.isHeld = true;
    next();
  }
}

const turnsByPglite = new WeakMap<PGlite, Turns>();

export function pgliteStatementClient(pglite: PGlite): PgliteStatementClient {
  const statements = new Map<string, Prepared>();
  let turns = turnsByPglite.get(pglite);
  if (!turns) {
    turns = new Turns();
    turnsByPglite.set(pglite, turns);
  }
  const turn = turns;

  // The reply's bytes, copied out of PGlite's memory as it writes them; decoded before the
  // next exchange (the caller holds PGlite's query mutex throughout).
  let replyBuffer = Buffer.allocUnsafe(64 * 1024);
  let replyLength = 0;
  const collect = (chunk: Uint8Array) => {
    if (replyLength + chunk.length > replyBuffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(replyBuffer.length * 2, replyLength + chunk.length));
      replyBuffer.copy(grown, 0, 0, replyLength);
      replyBuffer = grown;
    }
    replyBuffer.set(chunk, replyLength);
    replyLength += chunk.length;
  };

  /**
   * One exchange with PostgreSQL, its reply as bytes. `execProtocolRawSync` alone would also
   * parse every reply into PGlite's protocol message objects (a string for every column of
   * every row) and keep them in PGlite's result list until its next `query` or `exec`: most
   * of what a list request allocated, surviving into the old generation. With a raw-data
   * callback PGlite hands over the bytes only.
   */
  async function exchange(message: Uint8Array): Promise<Buffer> {
    replyLength = 0;
    await pglite.execProtocolRawStream(message, { syncToFs: false, onRawData: collect });
    return replyBuffer.subarray(0, replyLength);
  }

  async function prepare(text: string, options: QueryOptions | undefined): Promise<Prepared> {
    const name = `sb${(nextStatement += 1).toString(36)}`;
    const reply = decode(await exchange(concat([parseMessage(name, text), describeMessage(name), SYNC])));
    if (reply.failed) throw databaseError(reply.bytes, text, undefined, options);
    const prepared: Prepared = { name, paramTypes: reply.paramTypes ?? [], fields: reply.fields ?? [] };
    statements.set(text, prepared);
    if (statements.size > MAX_STATEMENTS) {
      const [oldestText, oldest] = statements.entries().next().value as [string, Prepared];
      statements.delete(oldestText);
      await exchange(concat([closeMessage(oldest.name), SYNC]));
    }
    return prepared;
  }

  /** One statement with parameters; the caller holds the mutexes. */
  async function execute<T>(
    text: string,
    params: unknown[],
    options: QueryOptions | undefined,
    retry: boolean,
  ): Promise<Results<T>> {
    let prepared = statements.get(text);
    if (prepared) {
      // Most recently used last: the map's first entry is the one to close when full.
      statements.delete(text);
      statements.set(text, prepared);
    } else {
      prepared = await prepare(text, options);
    }
    const values = params.map((param, i) => {
      if (param === null || param === undefined) return null;
      const oid = prepared.paramTypes[i]!;
      const serialize = (options?.serializers?.[oid] ?? pglite.serializers[oid]) as Serialize | undefined;
      return serialize ? serialize(param) : (param as { toString(): string }).toString();
    });
    const parsers = prepared.fields.map(
      ({ dataTypeID }) => (options?.parsers?.[dataTypeID] ?? pglite.parsers[dataTypeID]) as Parse | undefined,
    );
    const reply = decode(
      await exchange(concat([bindMessage(prepared.name, values), EXECUTE, SYNC])),
      prepared.fields,
      parsers,
      options?.rowMode === 'array',
    );
    if (reply.failed) {
      const error = databaseError(reply.bytes, text, params, options);
      // A table changed under the statement so that its result type changed (DDL while the
      // server runs): parse it again, once, when no transaction was aborted by the error.
      if (retry && error.code === '0A000' && /cached plan/.test(error.message)) {
        statements.delete(text);
        await exchange(concat([closeMessage(prepared.name), SYNC]));
        return execute(text, params, options, false);
      }
      throw error;
    }
    return {
      rows: reply.rows as T[],
      fields: prepared.fields.map((field) => ({ name: field.name, dataTypeID: field.dataTypeID })),
      affectedRows: reply.affectedRows,
      ...(reply.command === undefined ? {} : { command: reply.command }),
      ...(reply.rowCount === undefined ? {} : { rowCount: reply.rowCount }),
    };
  }

  return {
    async query<T>(text: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> {
      observer?.(text, params);
      return turn.run(async () => {
        if (params.length === 0) return pglite.query<T>(text, params, options);
        await pglite._checkReady();
        return pglite._runExclusiveTransaction(() =>
          pglite.runExclusive(async () => {
            const result = await execute<T>(text, params, options, true);
            await pglite.syncToFs();
            return result;
          }),
        );
      });
    },
    transaction<T>(fn: (tx: PgliteQueryable & Pick<Transaction, 'exec' | 'rollback'>) => Promise<T>): Promise<T> {
      // The transaction is one turn: its own statements do not wait for others'.
      return turn.run(() =>
        pglite.transaction(async (tx) => {
          let closed = false;
          const inner = {
            async query<R>(text: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<R>> {
              if (closed || tx.closed) throw new Error('Transaction is closed');
              observer?.(text, params);
              if (params.length === 0) return tx.query<R>(text, params, options);
              return pglite.runExclusive(async () => execute<R>(text, params, options, false));
            },
            exec: (text: string, options?: QueryOptions) => tx.exec(text, options),
            rollback: () => tx.rollback(),
          };
          try {
            return await fn(inner);
          } finally {
            closed = true;
          }
        }),
      );
    },
  };
}

// ── the wire ──────────────────────────────────────────────────────────────────

const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);
// Execute the unnamed portal, all rows.
const EXECUTE = Uint8Array.of(0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0);

function message(type: string, length: number, write: (buffer: Buffer, offset: number) => void): Buffer {
  const buffer = Buffer.allocUnsafe(1 + length);
  buffer[0] = type.charCodeAt(0);
  buffer.writeInt32BE(length, 1);
  write(buffer, 5);
  return buffer;
}

function parseMessage(name: string, text: string): Buffer {
  const nameLength = Buffer.byteLength(name);
  const textLength = Buffer.byteLength(text);
  return message('P', 4 + nameLength + 1 + textLength + 1 + 2, (buffer, offset) => {
    offset += buffer.write(name, offset);
    buffer[offset++] = 0;
    offset += buffer.write(text, offset);
    buffer[offset++] = 0;
    buffer.writeInt16BE(0, offset); // parameter types: inferred
  });
}

function describeMessage(name: string): Buffer {
  return message('D', 4 + 1 + Buffer.byteLength(name) + 1, (buffer, offset) => {
    buffer[offset++] = 0x53; // 'S': a statement
    offset += buffer.write(name, offset);
    buffer[offset] = 0;
  });
}

function closeMessage(name: string): Buffer {
  return message('C', 4 + 1 + Buffer.byteLength(name) + 1, (buffer, offset) => {
    buffer[offset++] = 0x53;
    offset += buffer.write(name, offset);
    buffer[offset] = 0;
  });
}

function bindMessage(name: string, values: readonly (string | null)[]): Buffer {
  let length = 4 + 1 + Buffer.byteLength(name) + 1 + 2 + 2 + 2;
  for (const value of values) length += 4 + (value === null ? 0 : Buffer.byteLength(value));
  return message('B', length, (buffer, offset) => {
    buffer[offset++] = 0; // the unnamed portal
    offset += buffer.write(name, offset);
    buffer[offset++] = 0;
    offset = buffer.writeInt16BE(0, offset); // parameter formats: all text
    offset = buffer.writeInt16BE(values.length, offset);
    for (const value of values) {
      if (value === null) {
        offset = buffer.writeInt32BE(-1, offset);
      } else {
        const written = buffer.write(value, offset + 4);
        offset = buffer.writeInt32BE(written, offset) + written;
      }
    }
    buffer.writeInt16BE(0, offset); // result formats: all text
  });
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

interface Reply {
  failed: boolean;
  bytes: Uint8Array;
  rows: unknown[];
  affectedRows: number;
  command?: string;
  rowCount?: number;
  paramTypes?: number[];
  fields?: { name: string; dataTypeID: number }[];
}

/** The reply's messages: rows decoded with the given parsers, the statement's description. */
function decode(
  bytes: Uint8Array,
  fields?: readonly { name: string; dataTypeID: number }[],
  parsers?: readonly (Parse | undefined)[],
  arrayRows = false,
): Reply {
  const reply: Reply = { failed: false, bytes, rows: [], affectedRows: 0 };
  if (bytes.length === 0) return reply;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset + 5 <= buffer.length) {
    const type = buffer[offset]!;
    const end = offset + 1 + buffer.readInt32BE(offset + 1);
    let at = offset + 5;
    switch (type) {
      case 0x44: {
        // 'D' DataRow
        const count = buffer.readInt16BE(at);
        at += 2;
        if (arrayRows) {
          const row = new Array<unknown>(count);
          for (let i = 0; i < count; i += 1) {
            const length = buffer.readInt32BE(at);
            at += 4;
            if (length < 0) row[i] = null;
            else {
              const text = buffer.toString('utf8', at, at + length);
              at += length;
              const parse = parsers?.[i];
              row[i] = parse ? parse(text, fields![i]!.dataTypeID) : text;
            }
          }
          reply.rows.push(row);
        } else {
          const row: Record<string, unknown> = {};
          for (let i = 0; i < count; i += 1) {
            const length = buffer.readInt32BE(at);
            at += 4;
            let value: unknown = null;
            if (length >= 0) {
              const text = buffer.toString('utf8', at, at + length);
              at += length;
              const parse = parsers?.[i];
              value = parse ? parse(text, fields![i]!.dataTypeID) : text;
            }
            row[fields![i]!.name] = value;
          }
          reply.rows.push(row);
        }
        break;
      }
      case 0x43: {
        // 'C' CommandComplete: "SELECT 2", "UPDATE 3", "INSERT 0 5", "CREATE TABLE"
        const tag = buffer.toString('utf8', at, end - 1);
        const parts = tag.split(' ');
        const command = parts[0]!;
        const count = parseInt(parts[parts.length - 1]!, 10);
        if (['INSERT', 'UPDATE', 'DELETE', 'COPY', 'MERGE'].includes(command)) reply.affectedRows += count;
        reply.command = command;
        if (!Number.isNaN(count)) reply.rowCount = count;
        break;
      }
      case 0x74: {
        // 't' ParameterDescription
        const count = buffer.readInt16BE(at);
        at += 2;
        reply.paramTypes = [];
        for (let i = 0; i < count; i += 1, at += 4) reply.paramTypes.push(buffer.readInt32BE(at));
        break;
      }
      case 0x54: {
        // 'T' RowDescription
        const count = buffer.readInt16BE(at);
        at += 2;
        reply.fields = [];
        for (let i = 0; i < count; i += 1) {
          const nameEnd = buffer.indexOf(0, at);
          const name = buffer.toString('utf8', at, nameEnd);
          at = nameEnd + 1 + 4 + 2; // table oid, column number
          reply.fields.push({ name, dataTypeID: buffer.readInt32BE(at) });
          at += 4 + 2 + 4 + 2; // type oid, size, modifier, format
        }
        break;
      }
      case 0x45: // 'E' ErrorResponse
        reply.failed = true;
        break;
      default:
        // ParseComplete, BindComplete, CloseComplete, NoData, notices, ReadyForQuery.
        break;
    }
    offset = end;
  }
  return reply;
}

/** The reply's first error as PGlite reports one (a DatabaseError with the statement). */
function databaseError(
  bytes: Uint8Array,
  text: string,
  params: unknown[] | undefined,
  options: QueryOptions | undefined,
): PgliteError {
  let error: PgliteError | undefined;
  new protocol.Parser().parse(bytes.length ? bytes : EMPTY, (message) => {
    if (!error && message instanceof messages.DatabaseError) error = message;
  });
  if (!error) throw new Error('PGlite reported an error the protocol parser did not find');
  error.query = text;
  error.params = params;
  error.queryOptions = options;
  return error;
}
