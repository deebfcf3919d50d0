/**
 * The append statement's array literals: what the server reads back must be exactly the
 * values sent, whatever characters an id or tag holds.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integerArrayLiteral, textArrayLiteral } from '../../src/postgres/schema/journal/array-literals.js';
import { connect } from './support.js';

const awkward = [
  'counter|1',
  'NULL',
  'null',
  '',
  ' padded ',
  'a,b',
  '{braces}',
  'quote"inside',
  'back\\slash',
  '\\"both"\\',
  'tab\there',
  'line\nbreak',
  'ünïcødé 🎉',
];

describe('array literals of the append statement', () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = await connect(1);
  });
  afterAll(async () => {
    await pool.end();
  });

  it('reads back every text value, nulls and repeated values included', async () => {
    const values = [...awkward, null, 'same', 'same', undefined, 'same'];
    const { rows } = await pool.query<{ value: (string | null)[] }>('SELECT $1::text[] AS value', [textArrayLiteral(values)]);
    expect(rows[0]?.value).toEqual(values.map((value) => value ?? null));
  });

  it('reads back integers up to the largest safe one, and empty arrays', async () => {
    const values = [0, 1, 42, 1_796_340_925_010, Number.MAX_SAFE_INTEGER];
    const { rows } = await pool.query<{ value: string[]; empty: string[]; none: string[] }>(
      'SELECT $1::bigint[] AS value, $2::bigint[] AS empty, $3::text[] AS none',
      [integerArrayLiteral(values), integerArrayLiteral([]), textArrayLiteral([])],
    );
    expect(rows[0]?.value.map(Number)).toEqual(values);
    expect(rows[0]?.empty).toEqual([]);
    expect(rows[0]?.none).toEqual([]);
  });

  it('reads back uuids', async () => {
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    const { rows } = await pool.query<{ value: string[] }>('SELECT $1::uuid[] AS value', [textArrayLiteral(ids)]);
    expect(rows[0]?.value).toEqual(ids);
  });
});
