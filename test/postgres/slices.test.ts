/**
 * The journal's slice column is computed in PostgreSQL (`memento_slice_of`, migration 8):
 * it must agree with `sliceOf` on every id, or a process would read another's slices.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PostgresJournal } from '../../src/postgres/index.js';
import { entityTypeOf, sliceOf } from '../../src/spi/slices.js';
import { propertyRuns } from '../support/property-runs.js';
import { useSchema } from './support.js';

const pg = useSchema('slices');

describe('postgres journal slices', () => {
  it('computes the same slice as sliceOf for any id, characters beyond the BMP included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 50 }),
        async (ids) => {
          // PostgreSQL text cannot hold NUL; persistence ids never contain it either.
          const kept = ids.map((id) => id.replaceAll('\u0000', 'x'));
          const { rows } = await pg.pool.query<{ slice: number }>(
            `SELECT "${pg.schema}".memento_slice_of(id) AS slice FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n) ORDER BY n`,
            [kept],
          );
          expect(rows.map((row) => row.slice)).toEqual(kept.map(sliceOf));
        },
      ),
      { numRuns: propertyRuns(40) },
    );
  });

  it('stores entity type and slice beside each written event', async () => {
    const journal = new PostgresJournal({ pool: pg.pool, schema: pg.schema });
    const ids = ['cart|1', 'cart|🦀', '|leading', 'plain', 'a|b|c'];
    await journal.write(
      ids.map((persistenceId) => ({ persistenceId, events: [{ persistenceId, sequenceNr: 1, event: 1, timestamp: 1 }] })),
    );
    const { rows } = await pg.pool.query<{ persistence_id: string; entity_type: string; slice: number }>(
      `SELECT persistence_id, entity_type, slice FROM "${pg.schema}".memento_journal WHERE persistence_id = ANY($1)`,
      [ids],
    );
    expect(new Map(rows.map((row) => [row.persistence_id, [row.entity_type, row.slice]]))).toEqual(
      new Map(ids.map((id) => [id, [entityTypeOf(id), sliceOf(id)]])),
    );
    await journal.close();
  });
});
