/**
 * The HTTP service example under load: SIGTERM arrives while deposits are in flight; the
 * service must stop accepting, drain, close its stores and exit with code 0, and every
 * deposit it acknowledged (HTTP 200) must be in the SQLite journal afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { SqliteJournal } from '../../src/sqlite/index.js';

const main = fileURLToPath(new URL('../../examples/http-service/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'memento-http-service-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ACCOUNTS = ['alice', 'bob', 'carol', 'dave'];
const WORKERS = 8;
const ACKNOWLEDGED_BEFORE_SIGTERM = 200;

it('stores every acknowledged deposit when SIGTERM arrives under load, and exits with code 0', async () => {
  const file = join(dir, 'data', 'service.db');
  const service = spawn(process.execPath, ['--import', 'tsx', main, file, '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  service.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => service.on('close', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    service.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    service.on('close', (code) => reject(new Error(`the service exited with ${code} before listening: ${stderr}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  expect((await fetch(`${base}/health/ready`)).status).toBe(200);

  const acknowledged = new Map<string, string[]>(ACCOUNTS.map((account) => [account, []]));
  let sent = 0;
  let refused = 0;
  let sigtermSent = false;
  const worker = async (index: number): Promise<void> => {
    for (let round = 0; ; round++) {
      const account = ACCOUNTS[(index + round) % ACCOUNTS.length] as string;
      const depositId = `w${index}-${round}`;
      sent++;
      let response: Response;
      try {
        response = await fetch(`${base}/accounts/${account}/deposits`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ depositId, amount: 1 }),
        });
      } catch {
        refused++;
        return; // connection refused or reset: the service stopped accepting
      }
      if (response.status === 200) {
        await response.json();
        acknowledged.get(account)?.push(depositId);
        const total = [...acknowledged.values()].reduce((sum, ids) => sum + ids.length, 0);
        if (total >= ACKNOWLEDGED_BEFORE_SIGTERM && !sigtermSent) {
          sigtermSent = true;
          service.kill('SIGTERM');
        }
      } else {
        expect(response.status).toBe(503); // draining: refused, not acknowledged
        await response.text();
        if (sigtermSent) return;
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, index) => worker(index)));
  expect(await exited).toBe(0);
  expect(stderr).toBe('');
  expect(stdout).toContain('SIGTERM: draining\nstopped\n');

  const journal = new SqliteJournal(file, { readonly: true });
  try {
    for (const [account, ids] of acknowledged) {
      const stored = new Set<string>();
      for await (const repr of journal.replay(`account|${account}`, 1, Number.MAX_SAFE_INTEGER))
        stored.add((repr.event as { depositId: string }).depositId);
      expect(ids.filter((id) => !stored.has(id))).toEqual([]);
    }
  } finally {
    await journal.close();
  }
  const total = [...acknowledged.values()].reduce((sum, ids) => sum + ids.length, 0);
  expect(total).toBeGreaterThanOrEqual(ACKNOWLEDGED_BEFORE_SIGTERM);
  expect(sent).toBeGreaterThan(total);
  expect(refused + (sent - total)).toBeGreaterThan(0);
});
