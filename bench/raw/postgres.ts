/**
 * What the bare `pg` driver can do for each journal workload, strategy by strategy, so a
 * reference is the best of them. Writes go to `raw_journal`, a copy of the journal table's
 * definition (`LIKE ... INCLUDING ALL`: same columns, identity ordering, primary key and
 * indexes) without `write_id`, Memento's idempotence marker; nothing touches the streams
 * table (Memento's record of highest sequence numbers). Payloads are `JSON.stringify` of
 * the event, computed inside the timed section.
 * @module
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pgTypes from 'pg';
import { root } from '../scenarios/common.js';
import type { RawEvent } from './sqlite.js';

type Pool = pgTypes.Pool;
type Client = pgTypes.PoolClient;

const payloadOf = (event: unknown): Buffer => Buffer.from(JSON.stringify(event));

/** pg-copy-streams from bench/node_modules, when installed (npm run bench:setup). */
export function loadCopyFrom(): ((sql: string) => Writable & { submit: unknown }) | undefined {
  try {
    const require = createRequire(join(root, 'bench', 'package.json'));
    return (require('pg-copy-streams') as { from: (sql: string) => Writable & { submit: unknown } }).from;
  } catch {
    return undefined;
  }
}

/** Creates `schema`.raw_journal like the journal table (run after Memento's migrations). */
export async function createRawJournal(pool: Pool, schema: string): Promise<string> {
  const table = `"${schema}".raw_journal`;
  await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (LIKE "${schema}".memento_journal INCLUDING ALL)`);
  await pool.query(`ALTER TABLE ${table} DROP COLUMN IF EXISTS write_id`);
  return table;
}

function valuesStatement(table: string, events: readonly RawEvent[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples = events.map((event) => {
    const at = values.length;
    values.push(event.persistenceId, event.sequenceNr, event.timestamp, payloadOf(event.event));
    return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4})`;
  });
  return { text: `INSERT INTO ${table} (persistence_id, sequence_nr, timestamp_ms, payload) VALUES ${tuples.join(',')}`, values };
}

function unnestStatement(table: string, events: readonly RawEvent[]): { text: string; values: unknown[] } {
  return {
    text: `INSERT INTO ${table} (persistence_id, sequence_nr, timestamp_ms, payload)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bytea[])`,
    values: [
      events.map((event) => event.persistenceId),
      events.map((event) => event.sequenceNr),
      events.map((event) => event.timestamp),
      events.map((event) => payloadOf(event.event)),
    ],
  };
}

/** COPY text format: tab-separated, bytea as hex (`\\x..`, backslash escaped). */
async function copyIn(client: Client, table: string, events: readonly RawEvent[], copyFrom: NonNullable<ReturnType<typeof loadCopyFrom>>) {
  const stream = client.query(
    copyFrom(`COPY ${table} (persistence_id, sequence_nr, timestamp_ms, payload) FROM STDIN`) as never,
  ) as Writable;
  const lines = events.map(
    (event) => `${event.persistenceId}\t${event.sequenceNr}\t${event.timestamp}\t\\\\x${payloadOf(event.event).toString('hex')}\n`,
  );
  await pipeline(
    (async function* () {
      // Chunks of ~1000 lines: one write per line costs more than the copy itself.
      for (let at = 0; at < lines.length; at += 1000) yield lines.slice(at, at + 1000).join('');
    })(),
    stream,
  );
}

/** Statement names by text: a named statement is parsed and planned once per connection. */
const statementNames = new Map<string, string>();

/**
 * Sends `statement` on `target` (a pool or a client), as a named prepared statement when
 * `prepared` (as our stores' `preparedStatements`), else unnamed.
 */
export function sendStatement<R extends pgTypes.QueryResultRow = pgTypes.QueryResultRow>(
  target: Pick<Pool, 'query'> | Pick<Client, 'query'>,
  { text, values }: { text: string; values: unknown[] },
  prepared: boolean,
  rowMode?: 'array',
): Promise<pgTypes.QueryResult<R>> {
  let name: string | undefined;
  if (prepared) {
    name = statementNames.get(text) ?? `raw_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return (target as Pool).query<R>({ name, text, values, rowMode } as pgTypes.QueryConfig);
}

/** Splits `events` into chunks of `size`. */
const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));

/** Runs `tasks` on `connections` clients checked out of `pool`, each taking the next task. */
async function onConnections(pool: Pool, connections: number, tasks: readonly ((client: Client) => Promise<unknown>)[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(connections, tasks.length) }, async () => {
      const client = await pool.connect();
      try {
        while (next < tasks.length) await (tasks[next++] as (client: Client) => Promise<unknown>)(client);
      } finally {
        client.release();
      }
    }),
  );
}

/** A bulk append strategy: inserts every event, `connections` statements in flight. */
export interface PostgresBulkStrategy {
  readonly name: string;
  run(pool: Pool, table: string, events: readonly RawEvent[], connections: number): Promise<void>;
}

/** Bulk strategies; COPY only when pg-copy-streams is installed. */
export function postgresBulkStrategies(connections: number): PostgresBulkStrategy[] {
  const copyFrom = loadCopyFrom();
  const byStatement = (rows: number, kind: 'values' | 'unnest', prepared = false): PostgresBulkStrategy => ({
    name: `${kind === 'values' ? 'multi-row INSERT ... VALUES' : 'INSERT ... SELECT FROM unnest(arrays)'} of ${rows} rows per statement${prepared ? ' (named prepared statement)' : ''}, ${connections} connections in parallel`,
    run: (pool, table, events) =>
      onConnections(
        pool,
        connections,
        chunks(events, rows).map((chunk) => (client: Client) => {
          const statement = kind === 'values' ? valuesStatement(table, chunk) : unnestStatement(table, chunk);
          return sendStatement(client, statement, prepared);
        }),
      ),
  });
  const strategies = [
    byStatement(100, 'values'),
    byStatement(100, 'values', true),
    byStatement(1000, 'values'),
    byStatement(1000, 'unnest'),
    byStatement(1000, 'unnest', true),
    byStatement(5000, 'unnest'),
  ];
  if (copyFrom) {
    strategies.push({
      name: `COPY ... FROM STDIN (text format, pg-copy-streams), one COPY per connection, ${connections} connections in parallel`,
      run: (pool, table, events) =>
        onConnections(
          pool,
          connections,
          chunks(events, Math.ceil(events.length / connections)).map((chunk) => (client: Client) => copyIn(client, table, chunk, copyFrom)),
        ),
    });
  }
  return strategies;
}

/** Strategies for "many writers, each awaiting each single-event insert". */
export type PostgresConcurrentStrategy = 'each' | 'group-1' | 'group-n' | 'group-n-prepared';

export const postgresConcurrentStrategies = (connections: number): Record<PostgresConcurrentStrategy, string> => ({
  each: `one INSERT per event on a pool of ${connections} connections`,
  'group-1': 'group commit by hand: the events queued while a statement runs go in the next INSERT ... unnest, one statement in flight',
  'group-n': `group commit by hand: queued events go in one INSERT ... unnest per free connection, up to ${connections} statements in flight`,
  'group-n-prepared': `group commit by hand as group-n, each INSERT ... unnest a named prepared statement (parsed once per connection), up to ${connections} statements in flight`,
});

/** A writer's single-event insert under one of the concurrent strategies. */
export function postgresInserter(
  pool: Pool,
  table: string,
  strategy: PostgresConcurrentStrategy,
  connections: number,
): (event: RawEvent) => Promise<void> {
  if (strategy === 'each') {
    const text = `INSERT INTO ${table} (persistence_id, sequence_nr, timestamp_ms, payload) VALUES ($1, $2, $3, $4)`;
    return async (event) => {
      await pool.query(text, [event.persistenceId, event.sequenceNr, event.timestamp, payloadOf(event.event)]);
    };
  }
  const limit = strategy === 'group-1' ? 1 : connections;
  let queue: { event: RawEvent; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let inFlight = 0;
  const pump = () => {
    while (inFlight < limit && queue.length > 0) {
      const batch = queue;
      queue = [];
      inFlight++;
      const statement = unnestStatement(
        table,
        batch.map((item) => item.event),
      );
      sendStatement(pool, statement, strategy === 'group-n-prepared').then(
        () => {
          inFlight--;
          for (const item of batch) item.resolve();
          pump();
        },
        (error: unknown) => {
          inFlight--;
          for (const item of batch) item.reject(error);
          pump();
        },
      );
    }
  };
  let scheduled = false;
  return (event) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ event, resolve, reject });
      // One event-loop turn gathers the writers that are ready, as the journal does.
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          pump();
        });
      }
    });
}

/** Replay strategies over `table` (plain JSON payloads): each returns the count, having parsed every event. */
export const POSTGRES_REPLAY_STRATEGIES: Record<string, (pool: Pool, table: string, id: string) => Promise<number>> = {
  'SELECT in keyset pages of 5000, row objects, JSON.parse per event': (pool, table, id) => pages(pool, table, id, 5000, false),
  'SELECT in keyset pages of 5000, binary result format, arrays, JSON.parse per event': (pool, table, id) =>
    pages(pool, table, id, 5000, true),
  'one SELECT of every row, arrays, JSON.parse per event': async (pool, table, id) => {
    const result = await pool.query({
      text: `SELECT sequence_nr, timestamp_ms, manifest, tags, writer_id, payload, metadata FROM ${table} WHERE persistence_id = $1 ORDER BY sequence_nr`,
      values: [id],
      rowMode: 'array',
    });
    return parseRows(result.rows as unknown[][], 5);
  },
  'server-side cursor (DECLARE, FETCH 5000), arrays, JSON.parse per event': (pool, table, id) => cursor(pool, table, id, 5000),
  'packed pages of 5000 (string_agg of payloads + lengths), JSON.parse per event': (pool, table, id) => packed(pool, table, id, 5000),
};

let sink = 0;
function parseRows(rows: readonly unknown[][], payloadAt: number): number {
  for (const row of rows) sink += (JSON.parse((row[payloadAt] as Buffer).toString()) as { quantity: number }).quantity;
  return rows.length;
}

/** A string literal for SQL: `pg` returns garbled binary results for queries with parameters, so binary ones inline theirs. */
export const sqlLiteral = (value: string): string => `'${value.replaceAll("'", "''")}'`;

async function pages(pool: Pool, table: string, id: string, pageSize: number, binary: boolean): Promise<number> {
  const text = `SELECT sequence_nr, timestamp_ms, manifest, tags, writer_id, payload, metadata FROM ${table}
WHERE persistence_id = $1 AND sequence_nr >= $2 ORDER BY sequence_nr LIMIT ${pageSize}`;
  let next = 1;
  let count = 0;
  while (true) {
    if (binary) {
      const inlined = `SELECT sequence_nr, timestamp_ms, manifest, tags, writer_id, payload, metadata FROM ${table}
WHERE persistence_id = ${sqlLiteral(id)} AND sequence_nr >= ${next} ORDER BY sequence_nr LIMIT ${pageSize}`;
      const result = await pool.query({ text: inlined, rowMode: 'array', binary: true } as pgTypes.QueryArrayConfig);
      const rows = result.rows as unknown[][];
      count += parseRows(rows, 5);
      if (rows.length < pageSize) break;
      next = Number((rows[rows.length - 1] as unknown[])[0]) + 1;
    } else {
      const { rows } = await pool.query<{ sequence_nr: string; payload: Buffer }>(text, [id, next]);
      for (const row of rows) sink += (JSON.parse(row.payload.toString()) as { quantity: number }).quantity;
      count += rows.length;
      if (rows.length < pageSize) break;
      next = Number((rows[rows.length - 1] as { sequence_nr: string }).sequence_nr) + 1;
    }
  }
  return count;
}

async function cursor(pool: Pool, table: string, id: string, pageSize: number): Promise<number> {
  const client = await pool.connect();
  let count = 0;
  try {
    await client.query('BEGIN');
    await client.query(
      `DECLARE memento_bench_cursor NO SCROLL CURSOR FOR SELECT sequence_nr, timestamp_ms, manifest, tags, writer_id, payload, metadata FROM ${table} WHERE persistence_id = ${sqlLiteral(id)} ORDER BY sequence_nr`,
    );
    while (true) {
      const { rows } = await client.query({ text: `FETCH ${pageSize} FROM memento_bench_cursor`, rowMode: 'array' });
      count += parseRows(rows as unknown[][], 5);
      if (rows.length < pageSize) break;
    }
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  return count;
}

async function packed(pool: Pool, table: string, id: string, pageSize: number): Promise<number> {
  const text = `SELECT count(*)::int, string_agg(payload, ''::bytea ORDER BY sequence_nr), string_agg(length(payload)::text, ',' ORDER BY sequence_nr), max(sequence_nr)
FROM (SELECT sequence_nr, payload FROM ${table} WHERE persistence_id = $1 AND sequence_nr >= $2 ORDER BY sequence_nr LIMIT ${pageSize}) page`;
  let next = 1;
  let count = 0;
  while (true) {
    const { rows } = await pool.query({ text, values: [id, next], rowMode: 'array' });
    const [rowCount, payloads, lengths, last] = rows[0] as unknown as [number, Buffer | null, string | null, string | null];
    if (rowCount === 0 || payloads === null || lengths === null) break;
    let at = 0;
    for (const length of JSON.parse(`[${lengths}]`) as number[]) {
      sink += (JSON.parse(payloads.toString('utf8', at, at + length)) as { quantity: number }).quantity;
      at += length;
    }
    count += rowCount;
    if (rowCount < pageSize) break;
    next = Number(last) + 1;
  }
  return count;
}

/** Keeps the parsed values observable, so no engine can drop the parsing. */
export const replaySink = (): number => sink;
