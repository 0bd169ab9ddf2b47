/**
 * Statements with parameters as named prepared statements on a PostgreSQL server (ADR 33).
 *
 * drizzle sends a statement without a name unless it was built with `.prepare(name)`, and
 * node-postgres then runs it as PostgreSQL's unnamed statement: parsed, analysed and planned
 * again on every execution. Most of this server's statements are a fixed text per call site,
 * run thousands of times (a routed item costs about 80), so each text gets a name the first
 * time it is sent; node-postgres parses it once per pooled connection and afterwards sends
 * only Bind and Execute, and PostgreSQL keeps its plan (a custom plan for the first five
 * executions, then the generic one when it costs no more, as for any prepared statement).
 *
 * Only statements with parameters are named (BEGIN, COMMIT, migrations' DDL and `select 1`
 * stay unnamed), and only the first MAX_NAMED_TEXTS distinct texts of the process: a text
 * beyond them runs unnamed as before, so texts built with a variable number of parameters
 * (`in (…)` lists) cannot grow the prepared statements of a connection without bound. The
 * embedded database does the same in its own client (pglite-statements.ts, ADR 29).
 */
import pg from 'pg';

/** Distinct statement texts given a name in this process; later ones run unnamed. */
export const MAX_NAMED_TEXTS = 500;

const names = new Map<string, string>();

/** The name of a statement's text (the same text, the same name), or undefined past the cap. */
export function statementNameFor(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED_TEXTS) {
    name = `sb_auto_${names.size}`;
    names.set(text, name);
  }
  return name;
}

interface QueryConfigLike {
  text?: unknown;
  name?: unknown;
  values?: unknown;
  submit?: unknown;
}

function isPlainConfig(value: unknown): value is QueryConfigLike {
  return typeof value === 'object' && value !== null && typeof (value as QueryConfigLike).submit !== 'function';
}

/** node-postgres's client, naming each statement that has parameters and no name. */
export class NamedStatementClient extends pg.Client {}

type Query = (this: pg.Client, ...args: unknown[]) => unknown;
/** node-postgres's own `query`, looked up at each call (a wrapper installed on it later still sees every statement). */
const clientQuery = () => (pg.Client.prototype as unknown as { query: Query }).query;
(NamedStatementClient.prototype as unknown as { query: Query }).query = function (this: pg.Client, ...args: unknown[]) {
  const [config, values] = args;
  if (isPlainConfig(config) && typeof config.text === 'string' && config.name === undefined) {
    const params = Array.isArray(values) ? values : config.values;
    const name = Array.isArray(params) && params.length > 0 ? statementNameFor(config.text) : undefined;
    if (name !== undefined) args[0] = { ...config, name };
  }
  return clientQuery().apply(this, args);
};
