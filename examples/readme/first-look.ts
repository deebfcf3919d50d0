/** The README's "A first look" snippet, kept here so CI type-checks and runs it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPersistence, defineEntity, Effect, type RepliesWith } from '../../src/index.js';
import { SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';

type Command = { type: 'add'; amount: number } & RepliesWith<number>;
type Event = { type: 'added'; amount: number };

const Account = defineEntity<{ balance: number }, Command, Event>({
  name: 'account',
  emptyState: { balance: 0 },
  commandHandler: (_state, command) => Effect.persist({ type: 'added', amount: command.amount }).thenReply((s) => s.balance),
  eventHandler: (state, event) => ({ balance: state.balance + event.amount }),
  retention: { snapshotEvery: 100, keepNSnapshots: 2 },
});

/** Runs the snippet against a temporary file and returns the balance. */
export async function firstLook(): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), 'memento-readme-'));
  const file = join(directory, 'app.db');
  const persistence = createPersistence({ journal: new SqliteJournal(file), snapshotStore: new SqliteSnapshotStore(file) });
  try {
    await persistence.entity(Account, 'alice').ask({ type: 'add', amount: 10 });
    return await persistence.entity(Account, 'alice').ask({ type: 'add', amount: 5 });
  } finally {
    await persistence.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(`alice's balance: ${await firstLook()}`);
