/**
 * The test that proves sliced projections (docs/scaling.md): 4 writer processes persist
 * MEMENTO_SLICED_EVENTS events (4,000 by default, see EVENTS) over 1,000 ids to PostgreSQL and to
 * DynamoDB (dynalite), while 4 projection processes, each with one of `sliceRanges(4)`,
 * count every event exactly-once from PostgreSQL and at-least-once from DynamoDB. One
 * projection process is killed with SIGKILL mid-run and restarted. Afterwards every
 * (id, sequence number) was counted exactly once from PostgreSQL and at least once from
 * DynamoDB, where duplicates are counted and reported.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sliceRanges } from '../../src/index.js';
import { PG_URL, useSchema } from '../postgres/support.js';
import { useDynamoTable } from '../support/dynalite.js';

const pg = useSchema('sliced');
const dynamo = useDynamoTable('sliced', { sliceIndex: true });
/**
 * 4,000 unless MEMENTO_SLICED_EVENTS says (the figure is 100,000): dynalite serves
 * the writers' conditional puts and the projections' reads and offset puts slowly on a shared
 * two-core machine, too slowly for 100,000 in `npm test` (docs/scaling.md has the times).
 */
const EVENTS = Number(process.env.MEMENTO_SLICED_EVENTS ?? 4_000);
const IDS = 1000;
const WRITE_SIZE = 10;
/** Slow tier: 100,000 events through dynalite and PostgreSQL on a shared machine take minutes. */
const TIMEOUT_MS = Number(process.env.MEMENTO_SLICED_TIMEOUT_MS ?? 1_800_000);

interface Started {
  readonly child: ChildProcess;
  /** Resolves when the process printed a line starting with `prefix`. */
  printed(prefix: string): Promise<void>;
  /** The first line printed starting with `prefix`, if any. */
  line(prefix: string): string | undefined;
  readonly exited: Promise<number | null>;
}

function start(fixture: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url))], {
    env: {
      ...process.env,
      ...env,
      MEMENTO_PG_URL: PG_URL,
      MEMENTO_PG_SCHEMA: pg.schema,
      MEMENTO_DYNAMODB_ENDPOINT: dynamo.server.endpoint,
      MEMENTO_DYNAMODB_TABLE: dynamo.tableName,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiting: { prefix: string; resolve: () => void }[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const wait of [...waiting]) {
      if (stdout.split('\n').some((line) => line.startsWith(wait.prefix))) {
        waiting.splice(waiting.indexOf(wait), 1);
        wait.resolve();
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    line: (prefix) => stdout.split('\n').find((line) => line.startsWith(prefix)),
    printed: (prefix) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.split('\n').some((line) => line.startsWith(prefix))) return resolve();
        waiting.push({ prefix, resolve });
        void exited.then((code) => reject(new Error(`${fixture} exited with ${code} before printing "${prefix}"\n${stderr}`)));
      }),
  };
}

describe('sliced projections across processes', () => {
  it(
    `4 writers, 4 projections of a quarter each, one killed and restarted: ${EVENTS} events exactly once from PostgreSQL, at least once from DynamoDB`,
    async () => {
      const startedAt = performance.now();
      for (const table of ['pg_counts', 'dynamo_counts']) {
        await pg.pool.query(
          `CREATE TABLE "${pg.schema}".${table} (persistence_id text, sequence_nr int, times int NOT NULL, PRIMARY KEY (persistence_id, sequence_nr))`,
        );
      }
      const ids = Array.from({ length: IDS }, (_, index) => `account|${index}`);
      const perId = Math.ceil(EVENTS / IDS);
      const total = perId * IDS;
      const projector = (index: number) => {
        const range = sliceRanges(4)[index] as { minSlice: number; maxSlice: number };
        return start('slice-projector.ts', { MEMENTO_MIN_SLICE: String(range.minSlice), MEMENTO_MAX_SLICE: String(range.maxSlice) });
      };
      const projectors = [0, 1, 2, 3].map(projector);
      const writers = [0, 1, 2, 3].map((index) =>
        start('slice-writer.ts', {
          MEMENTO_IDS: JSON.stringify(ids.slice(index * (IDS / 4), (index + 1) * (IDS / 4))),
          MEMENTO_EVENTS_PER_ID: String(perId),
          MEMENTO_WRITE_SIZE: String(WRITE_SIZE),
        }),
      );
      // Kill one projection process once it is handling events, and start it again.
      const victim = projectors[1] as Started;
      await victim.printed('progress');
      victim.child.kill('SIGKILL');
      await victim.exited;
      projectors[1] = projector(1);
      for (const writer of writers) await writer.printed('done');
      const writtenMs = performance.now() - startedAt;
      const counted = async (table: string) =>
        Number((await pg.pool.query<{ count: string }>(`SELECT count(*) FROM "${pg.schema}".${table}`)).rows[0]?.count);
      // Live projections never end by themselves: wait until both have counted every event.
      const countedAt: Record<string, number> = {};
      const complete = async (table: string) => {
        if (countedAt[table] === undefined && (await counted(table)) >= total) countedAt[table] = performance.now() - startedAt;
        return countedAt[table] !== undefined;
      };
      for (let delay = 50; !((await complete('pg_counts')) && (await complete('dynamo_counts'))); delay = Math.min(delay * 2, 2_000)) {
        const exited = await Promise.race([
          ...projectors.map((started) => started.exited),
          new Promise((resolve) => setTimeout(resolve, delay, 'waiting')),
        ]);
        if (exited !== 'waiting') throw new Error(`a projection process exited early with ${exited}`);
      }
      for (const started of projectors) started.child.stdin?.write('stop\n');
      expect(await Promise.all(projectors.map((started) => started.exited))).toEqual([0, 0, 0, 0]);
      const summary = async (table: string) =>
        (
          await pg.pool.query<{ rows: string; deliveries: string; max: number; min: number }>(
            `SELECT count(*) AS rows, sum(times) AS deliveries, max(times), min(times) FROM "${pg.schema}".${table}`,
          )
        ).rows[0];
      const exactly = await summary('pg_counts');
      const atLeast = await summary('dynamo_counts');
      console.log(
        `sliced projections: ${total} events written in ${Math.round(writtenMs / 1000)} s, all counted after ${Math.round((performance.now() - startedAt) / 1000)} s (from PostgreSQL after ${Math.round((countedAt.pg_counts ?? 0) / 1000)} s, from DynamoDB after ${Math.round((countedAt.dynamo_counts ?? 0) / 1000)} s); DynamoDB duplicates: ${Number(atLeast?.deliveries) - total}; writers' time in each journal: ${writers.map((writer) => writer.line('done')).join('; ')}`,
      );
      expect(exactly).toEqual({ rows: String(total), deliveries: String(total), max: 1, min: 1 });
      expect(atLeast?.rows).toBe(String(total));
      expect(atLeast?.min).toBe(1);
      expect(Number(atLeast?.deliveries)).toBeGreaterThanOrEqual(total);
    },
    TIMEOUT_MS,
  );
});
