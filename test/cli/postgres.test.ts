/**
 * Every command against PostgreSQL, plus `events --follow` in-process: another connection
 * appends while it follows (on SQLite one process keeps one connection per file, so the
 * SQLite follow runs the built CLI as a child: end-to-end.slow.test.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ledgerAction, seed } from '../inspect/seed.js';
import { postgresBackend, withStores } from './backends.js';
import { describeCommands } from './cli-suite.js';
import { memento } from './harness.js';

describeCommands(postgresBackend());

describe('memento events --follow against PostgreSQL', () => {
  const backend = postgresBackend();
  afterAll(() => backend.cleanup());

  it('events --follow: shows new events live and stops on Ctrl-C with a summary', async () => {
    const location = await backend.location('follow');
    await withStores(location, (stores) => seed(stores));
    let appended: Promise<unknown> | undefined;
    const result = await memento(['events', 'ledger', '--follow', ...location.args], {
      onStdout: (text, interrupt) => {
        if (!appended && /\n\s+6\s/.test(text)) {
          appended = withStores(location, (stores) => stores.journal.write([{ persistenceId: 'ledger', events: [ledgerAction(7)] }]));
        }
        if (/\n\s+7\s/.test(text)) interrupt();
      },
    });
    await appended;
    expect(result.stdout).toMatch(/\n\s+7\s+2026-01-01T12:00:07.000Z\s+add\s+\{"type":"add","payload":\{"amount":7\}\}\n/);
    expect(result).toMatchObject({ code: 0, stderr: '6 events, then followed 1 new event\n' });
  });
});
