/**
 * Rows changed behind the store's back (deleted, moved, swapped, copied) must never recover
 * to a wrong state: each backend gives the suite its stores and a {@link Tamper} that edits
 * its tables directly, and the suite checks that recovery fails or falls back, naming the
 * persistence id and the sequence numbers concerned.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CorruptDataError,
  CorruptSnapshotError,
  createPersistence,
  type DurableStateStore,
  ErrorCodes,
  isMementoError,
  type Journal,
  JournalReader,
  JournalWriter,
  Machine,
  RecoveryError,
  type Signal,
  type SkippedSnapshot,
  SnapshotSelectionCriteria,
  type SnapshotStore,
} from '../../src/index.js';
import { LedgerState } from '../machine/ledger.js';
import { type CounterState, counter } from './support/counter.js';
import { FaultyDurableStateStore, FaultyJournal, FaultySnapshotStore } from './support/faulty-stores.js';
import { type LedgerState as ClassicLedgerState, LedgerActor } from './support/ledger-actor.js';

/** Where one stored item lives. */
export interface Place {
  readonly persistenceId: string;
  readonly sequenceNr: number;
}

/** Direct edits of a backend's tables, as a person with a SQL prompt would make them. */
export interface Tamper {
  deleteEvent(persistenceId: string, sequenceNr: number): Promise<void>;
  /** Sets the highest sequence number the journal keeps apart from its rows. */
  setRecordedHighest(persistenceId: string, highest: number): Promise<void>;
  /** Copies the stored event payload of `from` over the one of `to`. */
  copyEventPayload(from: Place, to: Place): Promise<void>;
  /** Renumbers a stored snapshot. */
  moveSnapshot(persistenceId: string, from: number, to: number): Promise<void>;
  swapSnapshotPayloads(persistenceId: string, a: number, b: number): Promise<void>;
  copySnapshotPayload(from: Place, to: Place): Promise<void>;
  copyStatePayload(fromId: string, toId: string): Promise<void>;
  setStateRevision(persistenceId: string, revision: number): Promise<void>;
}

/** What a backend gives the suite. */
export interface TamperingStores {
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore;
  readonly durableStateStore: DurableStateStore;
  readonly tamper: Tamper;
  readonly close: () => Promise<void>;
}

const pid = (entityId: string) => `counter|${entityId}`;

/** Registers the tampering tests against stores from `open`. */
export function tamperingSuite(name: string, open: () => Promise<TamperingStores>): void {
  describe(`tampered ${name} stores never recover a wrong state`, () => {
    /** A runtime over the test's stores that leaves them open when it closes, so tests can restart. */
    const runtime = (stores: TamperingStores) =>
      createPersistence({
        journal: new FaultyJournal(stores.journal),
        snapshotStore: new FaultySnapshotStore(stores.snapshotStore),
        durableStateStore: new FaultyDurableStateStore(stores.durableStateStore),
      });

    async function withStores(work: (stores: TamperingStores) => Promise<void>): Promise<void> {
      const stores = await open();
      try {
        await work(stores);
      } finally {
        await stores.close();
      }
    }

    /** Writes amounts 1..n with snapshots after the given sequence numbers, then closes the runtime. */
    async function seed(stores: TamperingStores, entityId: string, amounts: readonly number[], snapshotAt: readonly number[] = []) {
      const persistence = runtime(stores);
      const ref = persistence.entity(counter(), entityId);
      for (const [index, amount] of amounts.entries()) {
        await ref.ask({ type: 'add', amount });
        if (snapshotAt.includes(index + 1)) await ref.ask({ type: 'snapshot' });
      }
      await persistence.close();
    }

    async function recoverError(stores: TamperingStores, entityId: string, signals: Signal[] = []): Promise<RecoveryError> {
      const persistence = runtime(stores);
      try {
        const error = await persistence
          .entity(counter({}, signals), entityId)
          .ask({ type: 'get' })
          .then(
            (state) => new Error(`expected recovery to fail, it recovered ${JSON.stringify(state)}`),
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(RecoveryError);
        return error as RecoveryError;
      } finally {
        await persistence.close();
      }
    }

    /** Writes `amounts` as ledger actions, deletes the rows `deleted`, and resolves with what a Machine catching up fails with. */
    async function machineCatchUpError(stores: TamperingStores, amounts: readonly number[], deleted: readonly number[]) {
      const persistenceId = `machine-${randomUUID()}`;
      const writer = new JournalWriter(stores.journal, persistenceId);
      for (const amount of amounts) await writer.write({ type: 'add', payload: { amount }, timestamp: Date.now() });
      for (const sequenceNr of deleted) await stores.tamper.deleteEvent(persistenceId, sequenceNr);
      const machine = new Machine(LedgerState, new JournalReader(stores.journal, persistenceId, { live: false }), writer, undefined, {
        onError: () => {},
      });
      await machine.start();
      const error = await machine.caughtUp().catch((e: unknown) => e);
      await machine.stop();
      return { persistenceId, error };
    }

    async function recoverState(stores: TamperingStores, entityId: string, signals: Signal[] = []): Promise<CounterState> {
      const persistence = runtime(stores);
      try {
        return await persistence.entity(counter({}, signals), entityId).ask<CounterState>({ type: 'get' });
      } finally {
        await persistence.close();
      }
    }

    describe('a missing tail', () => {
      it('a typed entity whose last event row was deleted fails recovery naming the missing event', () =>
        withStores(async (stores) => {
          const entityId = randomUUID();
          await seed(stores, entityId, [1, 2, 3]);
          await stores.tamper.deleteEvent(pid(entityId), 3);
          const signals: Signal[] = [];
          const error = await recoverError(stores, entityId, signals);
          expect(error.message).toContain(`"${pid(entityId)}"`);
          expect(error.message).toMatch(/event 3 is no longer in the journal/);
          expect(error.persistenceId).toBe(pid(entityId));
          expect(signals.some((signal) => signal.type === 'RecoveryFailed')).toBe(true);
        }));

      it('names every missing number when several tail rows are gone, after a snapshot too', () =>
        withStores(async (stores) => {
          const entityId = randomUUID();
          await seed(stores, entityId, [1, 2, 3, 4, 5], [2]);
          await stores.tamper.deleteEvent(pid(entityId), 4);
          await stores.tamper.deleteEvent(pid(entityId), 5);
          const error = await recoverError(stores, entityId);
          expect(error.message).toMatch(/events 4 to 5 are no longer in the journal/);
        }));

      it('toSequenceNr and replayMax below the missing tail still recover, on purpose', () =>
        withStores(async (stores) => {
          const entityId = randomUUID();
          await seed(stores, entityId, [1, 2, 3]);
          await stores.tamper.deleteEvent(pid(entityId), 3);
          for (const recovery of [{ toSequenceNr: 2 }, { replayMax: 2 }]) {
            const persistence = runtime(stores);
            const state = await persistence.entity(counter({ recovery }), entityId).ask<CounterState>({ type: 'get' });
            expect(state).toEqual({ value: 3, applied: [1, 2] });
            await persistence.close();
          }
        }));

      it('a classic PersistentActor whose last event row was deleted fails recovery naming it', () =>
        withStores(async (stores) => {
          const persistenceId = `ledger-${randomUUID()}`;
          const first = runtime(stores);
          await first.actorOf(() => new LedgerActor(persistenceId)).ask({ type: 'addAll', amounts: [1, 2, 3, 4] });
          await first.close();
          await stores.tamper.deleteEvent(persistenceId, 4);
          const again = runtime(stores);
          const error = await again
            .actorOf(() => new LedgerActor(persistenceId))
            .ask<ClassicLedgerState>({ type: 'get' })
            .catch((e: unknown) => e);
          await again.close();
          expect(error).toBeInstanceOf(RecoveryError);
          expect((error as Error).message).toMatch(new RegExp(`"${persistenceId}".*event 4 is no longer in the journal`));
        }));

      it('a Machine resuming from a journal whose last action row was deleted fails, naming it', () =>
        withStores(async (stores) => {
          const { persistenceId, error } = await machineCatchUpError(stores, [1, 2, 3], [3]);
          expect(error).toBeInstanceOf(RecoveryError);
          expect((error as Error).message).toMatch(new RegExp(`"${persistenceId}".*action 3 is no longer in the journal`));
        }));

      it('a Machine reading a journal with a hole in the middle fails, naming the missing actions', () =>
        withStores(async (stores) => {
          const { error } = await machineCatchUpError(stores, [1, 2, 3, 4], [2, 3]);
          expect(error).toBeInstanceOf(RecoveryError);
          expect((error as Error).message).toMatch(/actions 2 to 3 are no longer in the journal/);
        }));

      it('a recorded highest sequence number below the stored rows is reported, not recovered as a stale state', () =>
        withStores(async (stores) => {
          const entityId = randomUUID();
          await seed(stores, entityId, [1, 2, 3, 4]);
          await stores.tamper.setRecordedHighest(pid(entityId), 2);
          const error = await recoverError(stores, entityId);
          expect(isMementoError(error.cause, ErrorCodes.corruptData)).toBe(true);
          expect(error.message).toMatch(/highest sequence number 2 .*event 4/);
          await expect(stores.journal.highestSequenceNr(pid(entityId))).rejects.toBeInstanceOf(CorruptDataError);
        }));
    });

    describe('payloads bound to their place', () => {
      /** Loads the latest snapshot, collecting what the store skipped. */
      async function loadLatest(stores: TamperingStores, persistenceId: string) {
        const skipped: SkippedSnapshot[] = [];
        const selected = await stores.snapshotStore.load(persistenceId, SnapshotSelectionCriteria.Latest, {
          onSkipped: (skip) => skipped.push(skip),
        });
        return { selected, skipped };
      }

      const expectSkipped = (skipped: SkippedSnapshot, persistenceId: string, sequenceNr: number) => {
        expect(skipped.error).toBeInstanceOf(CorruptSnapshotError);
        expect(skipped.metadata).toMatchObject({ persistenceId, sequenceNr });
        expect(skipped.error.message).toContain(`snapshot ${sequenceNr} of "${persistenceId}"`);
        expect(skipped.error.message).toMatch(/written for/);
      };

      it('a snapshot row moved to another sequence number is skipped, named, and recovery replays instead', () =>
        withStores(async (stores) => {
          const entityId = randomUUID();
          await seed(stores, entityId, [1, 2, 3, 4], [2]);
          await stores.tamper.moveSnapshot(pid(entityId), 2, 4);
          const { selected, skipped } = await loadLatest(stores, pid(entityId));
          expect(selected).toBeNull();
          expect(skipped).toHaveLength(1);
          expectSkipped(skipped[0] as SkippedSnapshot, pid(entityId), 4);
          expect(await recoverState(stores, entityId)).toEqual({ value: 10, applied: [1, 2, 3, 4] });
        }));

      it('two swapped snapshot payloads are both skipped', () =>
        withStores(async (stores) => {
          const entityId = randomUUID();
          await seed(stores, entityId, [1, 2, 3, 4], [2, 3]);
          await stores.tamper.swapSnapshotPayloads(pid(entityId), 2, 3);
          const { selected, skipped } = await loadLatest(stores, pid(entityId));
          expect(selected).toBeNull();
          expect(skipped.map((skip) => skip.metadata.sequenceNr)).toEqual([3, 2]);
          expectSkipped(skipped[0] as SkippedSnapshot, pid(entityId), 3);
          expect(await recoverState(stores, entityId)).toEqual({ value: 10, applied: [1, 2, 3, 4] });
        }));

      it('a snapshot payload copied from another persistence id is skipped', () =>
        withStores(async (stores) => {
          const [a, b] = [randomUUID(), randomUUID()];
          await seed(stores, a, [100, 200], [2]);
          await seed(stores, b, [1, 2], [2]);
          await stores.tamper.copySnapshotPayload({ persistenceId: pid(a), sequenceNr: 2 }, { persistenceId: pid(b), sequenceNr: 2 });
          const { selected, skipped } = await loadLatest(stores, pid(b));
          expect(selected).toBeNull();
          expectSkipped(skipped[0] as SkippedSnapshot, pid(b), 2);
          expect(await recoverState(stores, b)).toEqual({ value: 3, applied: [1, 2] });
        }));

      it('an event payload copied from another sequence number fails recovery naming id and number', () =>
        withStores(async (stores) => {
          const entityId = randomUUID();
          await seed(stores, entityId, [1, 2, 3]);
          await stores.tamper.copyEventPayload(
            { persistenceId: pid(entityId), sequenceNr: 1 },
            { persistenceId: pid(entityId), sequenceNr: 3 },
          );
          const error = await recoverError(stores, entityId);
          expect(isMementoError(error.cause, ErrorCodes.corruptData)).toBe(true);
          expect(error.message).toContain(`event 3 of "${pid(entityId)}"`);
          expect(error.message).toMatch(/written for/);
        }));

      it('an event payload copied from another persistence id fails recovery naming id and number', () =>
        withStores(async (stores) => {
          const [a, b] = [randomUUID(), randomUUID()];
          await seed(stores, a, [100, 200]);
          await seed(stores, b, [1, 2]);
          await stores.tamper.copyEventPayload({ persistenceId: pid(a), sequenceNr: 2 }, { persistenceId: pid(b), sequenceNr: 2 });
          const error = await recoverError(stores, b);
          expect(error.cause).toBeInstanceOf(CorruptDataError);
          expect(error.message).toContain(`event 2 of "${pid(b)}"`);
        }));

      it('a durable state payload copied from another id, or given another revision, is CorruptDataError naming it', () =>
        withStores(async (stores) => {
          const [a, b] = [`state-${randomUUID()}`, `state-${randomUUID()}`];
          await stores.durableStateStore.upsert(a, 1, { owner: 'a' });
          await stores.durableStateStore.upsert(b, 1, { owner: 'b' });
          await stores.durableStateStore.upsert(b, 2, { owner: 'b', changed: true });
          await stores.tamper.copyStatePayload(a, b);
          const copied = await stores.durableStateStore.get(b).catch((e: unknown) => e);
          expect(copied).toBeInstanceOf(CorruptDataError);
          expect((copied as Error).message).toContain(`"${b}"`);
          await stores.tamper.setStateRevision(a, 5);
          const renumbered = await stores.durableStateStore.get(a).catch((e: unknown) => e);
          expect(renumbered).toBeInstanceOf(CorruptDataError);
          expect((renumbered as Error).message).toMatch(new RegExp(`state 5 of "${a}".*written for`));
        }));
    });
  });
}
