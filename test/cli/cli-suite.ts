/**
 * Every command against one backend, in-process: what it prints, its --json, its exit code,
 * and its answer to bad input.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SnapshotMetadata, wrapSnapshotMetadata } from '../../src/index.js';
import { accountAfter, seed, seededIdSummaries, timeOf } from '../inspect/seed.js';
import { type Backend, type Location, withStores } from './backends.js';
import { DEFINITIONS, memento, tempDir } from './harness.js';
import { recorderJson } from './snapshot-stores-support.js';

/** Drops the header (its export time) so two exports of the same data compare equal. */
export const body = (ndjson: string): string => ndjson.split('\n').slice(1).join('\n');

/** A location of `backend` holding the inspection seed. */
async function seededAt(backend: Backend, label: string): Promise<Location> {
  const location = await backend.location(label);
  await withStores(location, (stores) => seed(stores));
  return location;
}

/** Runs the CLI with `args` against `location`. */
const cli = (location: Location, ...args: string[]) => memento([...args, ...location.args]);

/**
 * The whole command suite against `backend`, but `serve`, which needs the page `npm run
 * build` bundles: {@link describeServe}, run by serve-command.slow.test.ts.
 */
export function describeCommands(backend: Backend): void {
  describe(`memento against ${backend.name}`, () => {
    afterAll(() => backend.cleanup());

    const seeded = (label: string) => seededAt(backend, label);
    const withDefinitions = (location: Location, ...args: string[]) => memento([...args, ...location.args, '--definitions', DEFINITIONS]);

    it('ids: a table, JSON, a prefix, a limit', async () => {
      const location = await seeded('ids');
      const table = await cli(location, 'ids');
      expect(table.code).toBe(0);
      expect(table.stdout.split('\n')[0]).toMatch(/^PERSISTENCE ID\s+HIGHEST\s+EVENTS\s+SNAPSHOTS\s+STATE REV\s+LAST WRITE$/);
      expect(table.stdout).toMatch(/account\|1\s+10\s+10\s+2\s+-\s+2026-01-01T12:00:10.000Z/);
      expect(table.stdout).toMatch(/profile\|1\s+0\s+0\s+0\s+2\s+\d{4}-/);
      expect(table.stdout).toContain('4 ids');
      const json = JSON.parse((await cli(location, 'ids', '--json')).stdout);
      expect(json).toEqual(seededIdSummaries);
      expect(JSON.parse((await cli(location, 'ids', '--json', '--prefix', 'account|')).stdout)).toHaveLength(2);
      expect(JSON.parse((await cli(location, 'ids', '--json', '--limit', '1')).stdout)).toHaveLength(1);
      const bad = await cli(location, 'ids', '--limit', 'many');
      expect(bad).toMatchObject({ code: 1, stderr: 'memento: --limit: expected an integer >= 1, found "many"\n' });
    });

    it('events: bounds, JSON with every field, an unknown id, bad bounds', async () => {
      const location = await seeded('events');
      const shown = await cli(location, 'events', 'account|1', '--from', '2', '--to', '3');
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(
        /^SEQ\s+TIME\s+TAGS\s+WRITER\s+METADATA\s+EVENT\n\s+2\s+2026-01-01T12:00:02.000Z\s+money\s+writer-a\s+\{"by":"seed"\}\s+\{"type":"deposited","amount":20\}\n/,
      );
      expect(shown.stderr).toBe('2 events\n');
      const json = JSON.parse((await cli(location, 'events', 'ledger', '--json', '--limit', '2')).stdout);
      expect(json).toEqual([
        { persistenceId: 'ledger', sequenceNr: 1, timestamp: timeOf(1), event: { type: 'add', payload: { amount: 1 } }, manifest: 'add' },
        { persistenceId: 'ledger', sequenceNr: 2, timestamp: timeOf(2), event: { type: 'add', payload: { amount: 2 } }, manifest: 'add' },
      ]);
      expect(await cli(location, 'events', 'nobody|1')).toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/^memento: "nobody\|1" is not in .*: no events, snapshots or durable state/),
      });
      expect(await cli(location, 'events', 'account|1', '--from', '-1')).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('--from'),
      });
      expect(await cli(location, 'events', 'account|1', '--from', '5', '--to', '2')).toMatchObject({
        code: 1,
        stderr: 'memento: --to 2: expected at least --from 5\n',
      });
      expect(await cli(location, 'events')).toMatchObject({ code: 1, stderr: "memento: missing required argument 'id'\n" });
    });

    it('snapshots: readable and damaged ones, with why', async () => {
      const location = await seeded('snapshots');
      await location.damageSnapshot('account|1', 5);
      const shown = await cli(location, 'snapshots', 'account|1');
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(
        /\n\s+5\s+2026-01-01T12:00:05.000Z\s+3\s+NO\s+MEMENTO_CORRUPT_SNAPSHOT: snapshot 5 of "account\|1" cannot be read/,
      );
      expect(shown.stdout).toMatch(/\n\s+10\s+2026-01-01T12:00:10.000Z\s+1\s+\d+\s+json\s+yes\s+\{"note":"every 5 \(10\)"\}/);
      expect(shown.stdout).toContain('2 snapshots, 1 cannot be read');
      // The stores' own multi-line warnings stay quiet: the command's one-line report says it.
      expect(shown.stderr).not.toContain('skipped unreadable snapshot');
      const rebuilt = await withDefinitions(location, 'state', 'account|1', '--at', '7', '--json');
      expect(JSON.parse(rebuilt.stdout)).toMatchObject({ state: accountAfter(7), snapshotSequenceNr: null, replayed: 7 });
      expect(rebuilt.stderr).not.toContain('skipped unreadable snapshot');
      const json = JSON.parse((await cli(location, 'snapshots', 'ledger', '--json')).stdout);
      expect(json).toEqual([
        { persistenceId: 'ledger', sequenceNr: 3, timestamp: timeOf(3), size: expect.any(Number), serializer: 'json', readable: true },
      ]);
      expect(await cli(location, 'snapshots', '')).toMatchObject({ code: 1, stderr: expect.stringContaining('persistence id') });
    });

    it('state: at a sequence number and a time, JSON, and what it needs', async () => {
      const location = await seeded('state');
      const shown = await withDefinitions(location, 'state', 'account|1', '--at', '7');
      expect(shown).toMatchObject({ code: 0, stderr: '' });
      expect(shown.stdout).toBe(
        `"account|1" at #7 (2026-01-01T12:00:07.000Z)\nrebuilt by "account" from snapshot #5 + 2 events replayed\n${JSON.stringify(accountAfter(7), null, 2)}\n`,
      );
      const byTime = JSON.parse(
        (await withDefinitions(location, 'state', 'account|1', '--at', '2026-01-01T12:00:03.500Z', '--json')).stdout,
      );
      expect(byTime).toMatchObject({
        persistenceId: 'account|1',
        definition: 'account',
        state: accountAfter(3),
        sequenceNr: 3,
        snapshotSequenceNr: null,
        replayed: 3,
      });
      const latest = JSON.parse((await withDefinitions(location, 'state', 'ledger', '--json')).stdout);
      expect(latest).toMatchObject({ state: { total: 21, entries: 6 }, snapshotSequenceNr: 3, replayed: 3 });
      expect(JSON.parse((await withDefinitions(location, 'state', 'profile|1', '--json')).stdout).state).toEqual({ name: 'Ada Lovelace' });
      expect(await cli(location, 'state', 'account|1', '--at', '7')).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('needs its definition: pass --definitions <module>'),
      });
      expect(await withDefinitions(location, 'state', 'account|1', '--at', 'yesterday')).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('--at: expected a sequence number'),
      });
      expect(await withDefinitions(location, 'state', 'account|1', '--at', '11')).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('at most the highest sequence number 10'),
      });
      expect(await memento(['state', 'account|1', ...location.args, '--definitions', 'missing.ts'])).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('--definitions missing.ts: no such file'),
      });
    });

    it('diff: between two points, and bad points', async () => {
      const location = await seeded('diff');
      const shown = await withDefinitions(location, 'diff', 'account|2', '2', '3');
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain('"account|2" #2 → #3: 1 created, 0 removed, 0 changed');
      expect(shown.stdout).toContain('+ owner: Ada');
      const json = JSON.parse((await withDefinitions(location, 'diff', 'account|1', '5', '6', '--json')).stdout);
      expect(json.differences).toEqual([
        { type: 'CHANGE', path: ['balance'], oldValue: 150, value: 210 },
        { type: 'CHANGE', path: ['movements'], oldValue: 5, value: 6 },
      ]);
      expect(await withDefinitions(location, 'diff', 'account|1', '5', 'soon')).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('<b>: expected a sequence number'),
      });
    });

    it('verify: passes a sound store, then reports a wrong and a damaged snapshot with exit code 1', async () => {
      const location = await seeded('verify');
      const clean = await withDefinitions(location, 'verify', '--all');
      expect(clean).toMatchObject({
        code: 0,
        stdout: 'verified 3 ids, 3 snapshots compared with 13 replayed events: all snapshots equal the replay\n',
      });
      // A wrong snapshot: saved through the store, with a state the replay does not give.
      await withStores(location, (stores) =>
        stores.snapshotStore.save(
          new SnapshotMetadata({
            persistenceId: 'account|1',
            sequenceNr: 10,
            timestamp: timeOf(10),
            metadata: wrapSnapshotMetadata(1, undefined),
          }),
          { ...accountAfter(10), movements: 9 },
        ),
      );
      await location.damageSnapshot('ledger', 3);
      const found = await withDefinitions(location, 'verify', '--all');
      expect(found.code).toBe(1);
      expect(found.stdout).toContain(
        'MISMATCH "account|1" #10: snapshot 10 of "account|1" differs from the replay of events 1 to 10 at movements (1 differing path)\n    movements: snapshot 9, replay 10\n',
      );
      expect(found.stdout).toMatch(/DAMAGED "ledger" #3: snapshot 3 of "ledger" cannot be read/);
      expect(found.stdout).toContain(': 2 problems\n');
      const json = JSON.parse((await withDefinitions(location, 'verify', 'account|1', '--json')).stdout);
      expect(json).toMatchObject({
        ok: false,
        problems: [{ kind: 'mismatch', differences: [{ path: ['movements'], oldValue: 9, value: 10 }] }],
      });
      const sampled = JSON.parse((await withDefinitions(location, 'verify', 'account|1', '--sample', '1', '--json')).stdout);
      expect(sampled.snapshotsChecked).toBe(1);
      expect(await withDefinitions(location, 'verify')).toMatchObject({
        code: 1,
        stderr: 'memento: verify: give one or more ids, or --all\n',
      });
      expect(await withDefinitions(location, 'verify', 'x', '--all')).toMatchObject({
        code: 1,
        stderr: 'memento: verify: give ids or --all, not both\n',
      });
      expect(await cli(location, 'verify', '--all')).toMatchObject({ code: 1, stderr: expect.stringContaining('pass --definitions') });
      expect(await withDefinitions(location, 'verify', '--all', '--sample', '0')).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('--sample'),
      });
    });

    it('export and import: a round trip keeps everything; a second import is refused whole; --skip-existing imports the rest', async () => {
      const source = await seeded('export');
      await withStores(source, (stores) => stores.journal.deleteTo('account|2', 1));
      const directory = tempDir('export');
      const file = join(directory, 'all.ndjson');
      const exported = await cli(source, 'export', file);
      expect(exported).toMatchObject({ code: 0, stdout: `exported 4 ids, 18 events, 3 snapshots, 1 durable state to ${file}\n` });
      const target = await backend.location('import');
      const imported = await memento(['import', file, ...target.args]);
      expect(imported.code).toBe(0);
      expect(imported.stdout).toMatch(/^imported 18 events, 3 snapshots and 1 durable state of 4 ids into /);
      const again = join(directory, 'again.ndjson');
      expect((await memento(['export', again, ...target.args])).code).toBe(0);
      expect(body(readFileSync(again, 'utf8'))).toBe(body(readFileSync(file, 'utf8')));
      expect(JSON.parse((await memento(['ids', '--json', ...target.args])).stdout)[1]).toMatchObject({
        persistenceId: 'account|2',
        highestSequenceNr: 3,
        eventCount: 2,
      });

      const refused = await memento(['import', file, ...target.args]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^memento: import refused, nothing was written: "account\|1": the target already has events up to 10/);
      const partial = await backend.location('partial');
      await withStores(partial, (stores) =>
        stores.journal.write([
          {
            persistenceId: 'ledger',
            events: [{ persistenceId: 'ledger', sequenceNr: 1, timestamp: 1, event: { type: 'add', payload: { amount: 1 } } }],
          },
        ]),
      );
      expect((await memento(['import', file, ...partial.args])).code).toBe(1);
      expect(
        JSON.parse((await memento(['ids', '--json', ...partial.args])).stdout).map((id: { persistenceId: string }) => id.persistenceId),
      ).toEqual(['ledger']);
      const skipping = await memento(['import', file, '--skip-existing', '--json', ...partial.args]);
      expect(JSON.parse(skipping.stdout)).toMatchObject({ events: 17, skippedEvents: 1, snapshots: 3, states: 1 });

      const stdinTarget = await backend.location('stdin');
      const piped = await memento(['import', '-', ...stdinTarget.args], { stdin: readFileSync(file, 'utf8') });
      expect(piped.code).toBe(0);
      const toStdout = await memento(['export', '-', ...stdinTarget.args]);
      expect(body(toStdout.stdout)).toBe(body(readFileSync(file, 'utf8')));
      expect(toStdout.stderr).toBe('exported 4 ids, 18 events, 3 snapshots, 1 durable state to stdout\n');
      const broken = join(directory, 'broken.ndjson');
      (await import('node:fs')).writeFileSync(
        broken,
        `${readFileSync(file, 'utf8').split('\n')[0]}\n{"kind":"event","persistenceId":"x","sequenceNr":0}\n`,
      );
      expect(await memento(['import', broken, ...stdinTarget.args])).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('import line 2: expected sequenceNr: an integer >= 1, found 0'),
      });
      expect(await memento(['import', join(directory, 'missing.ndjson'), ...stdinTarget.args])).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('no such file'),
      });
    });

    it('delete-snapshot: asks first, --yes deletes, an unknown one is named', async () => {
      const location = await seeded('delete');
      const declined = await memento(['delete-snapshot', 'account|1', '5', ...location.args], { confirm: false });
      expect(declined).toMatchObject({ code: 1, stdout: 'nothing deleted\n' });
      const confirmed = await memento(['delete-snapshot', 'account|1', '5', ...location.args], { confirm: true });
      expect(confirmed).toMatchObject({ code: 0, stdout: 'deleted snapshot #5 of "account|1"\n' });
      expect(await cli(location, 'delete-snapshot', 'account|1', '10', '--yes')).toMatchObject({ code: 0 });
      expect(JSON.parse((await cli(location, 'snapshots', 'account|1', '--json')).stdout)).toEqual([]);
      expect(await cli(location, 'delete-snapshot', 'ledger', '4', '--yes')).toMatchObject({
        code: 1,
        stderr: 'memento: "ledger" has no snapshot 4; its snapshots: 3\n',
      });
      expect(await cli(location, 'delete-snapshot', 'ledger', 'x', '--yes')).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('<seq>: expected an integer'),
      });
    });

    it('import-recorder-json: keeps the recorder snapshot in this store, then state and verify use it', async () => {
      const location = await seeded('recorder');
      const recorderFile = join(tempDir('recorder'), 'forest.json');
      writeFileSync(recorderFile, recorderJson('6'));
      expect(await withDefinitions(location, 'import-recorder-json', recorderFile, '--id', 'ledger')).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(/^imported .*forest\.json as snapshot #6 of "ledger"/),
      });
      expect(JSON.parse((await cli(location, 'snapshots', 'ledger', '--json')).stdout)).toMatchObject([
        { sequenceNr: 3, readable: true },
        { sequenceNr: 6, readable: true },
      ]);
      expect(JSON.parse((await withDefinitions(location, 'state', 'ledger', '--at', '6', '--json')).stdout)).toMatchObject({
        snapshotSequenceNr: 6,
        replayed: 0,
        state: { total: 21, entries: 6 },
      });
      expect(await withDefinitions(location, 'verify', 'ledger')).toMatchObject({ code: 0 });
      expect(await withDefinitions(location, 'import-recorder-json', recorderFile, '--id', 'ledger')).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('already has snapshot #6'),
      });
    });

    it('export to a path it cannot write: one line naming it, exit code 1', async () => {
      const location = await seeded('unwritable');
      const missingDirectory = join(tempDir('unwritable'), 'no-such-directory', 'all.ndjson');
      const result = await cli(location, 'export', missingDirectory);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^memento: .*no-such-directory/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      const aDirectory = tempDir('directory-target');
      const onDirectory = await cli(location, 'export', aDirectory);
      expect(onDirectory.code).toBe(1);
      expect(onDirectory.stderr).toContain(aDirectory);
      expect(existsSync(`${aDirectory}.partial-${process.pid}`)).toBe(false);
    });

    it('migrate: brings the store to the current schema, twice without harm', async () => {
      const location = await backend.location('migrate');
      const first = await cli(location, 'migrate');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^migrated /);
      expect((await cli(location, 'migrate', '--json')).code).toBe(0);
      expect(await cli(location, 'migrate', '--force')).toMatchObject({ code: 1, stderr: "memento: unknown option '--force'\n" });
      expect(await cli(location, 'migrate', 'now')).toMatchObject({ code: 1, stderr: expect.stringContaining('too many arguments') });
    });
  });
}

/** `memento serve` against `backend`: needs the inspector page that `npm run build` bundles. */
export function describeServe(backend: Backend): void {
  describe(`memento serve against ${backend.name}`, () => {
    afterAll(() => backend.cleanup());

    const seeded = (label: string) => seededAt(backend, label);

    it('serve: answers the API over this store until Ctrl-C; a bad port is refused', async () => {
      const location = await seeded('serve');
      let answered: Promise<unknown> | undefined;
      const result = await memento(['serve', '--port', '0', ...location.args, '--definitions', DEFINITIONS], {
        onStdout: (text, interrupt) => {
          const url = /^memento inspector on (http:\/\/127\.0\.0\.1:\d+)\//m.exec(text)?.[1];
          if (url && !answered) {
            answered = (async () => {
              try {
                const ids = (await (await fetch(`${url}/api/ids`)).json()) as { ids: { persistenceId: string }[] };
                const state = (await (await fetch(`${url}/api/entities/${encodeURIComponent('account|1')}/state?at=6`)).json()) as {
                  state: unknown;
                };
                return { ids: ids.ids.map((summary) => summary.persistenceId), state: state.state };
              } finally {
                interrupt();
              }
            })();
          }
        },
      });
      expect(result.code).toBe(0);
      expect(await answered).toEqual({ ids: ['account|1', 'account|2', 'ledger', 'profile|1'], state: accountAfter(6) });
      expect(await cli(location, 'serve', '--port', 'http')).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('--port: expected an integer from 0 to 65535'),
      });
    });
  });
}
