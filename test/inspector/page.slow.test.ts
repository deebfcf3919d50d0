import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotMetadata, wrapSnapshotMetadata } from '../../src/index.js';
import { createInspectorServer, type InspectorServer } from '../../src/inspector/index.js';
import { damageSnapshot, removeTempDirs } from '../sqlite/helpers.js';
import { launchChromium } from './support/browser.js';
import { createTestStore, type TestStore, timeOfEvent } from './support/store.js';

const SPECIAL = 'counter|b/ü ?#%&';
/** Where the screenshots go (ignored by git; docs/images/inspector.png is a copy of one). */
const OUTPUT = join(import.meta.dirname, '..', '..', 'test-output', 'inspector');

let store: TestStore;
let server: InspectorServer;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const failures: string[] = [];

const entityUrl = (id: string, at?: number) => `${server.url}#/entity/${encodeURIComponent(id)}${at === undefined ? '' : `?at=${at}`}`;
const apiState = async (id: string, at: number) =>
  (await (await fetch(new URL(`/api/entities/${encodeURIComponent(id)}/state?at=${at}`, server.url))).json()) as {
    state: unknown;
    sequenceNr: number;
  };
const apiDiff = async (id: string, from: number, to: number) =>
  (await (await fetch(new URL(`/api/entities/${encodeURIComponent(id)}/diff?from=${from}&to=${to}`, server.url))).json()) as {
    differences: unknown[];
  };
const text = async (testId: string) => (await page.getByTestId(testId).textContent()) ?? '';

beforeAll(async () => {
  store = await createTestStore();
  await store.append('counter|a', 1, 1000, 100);
  await damageSnapshot(store.file, 'counter|a', 300);
  await store.append(SPECIAL, 1, 30, 10);
  await store.append('counter|c', 1, 5);
  server = await createInspectorServer({ inspection: store.inspection, port: 0 });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => failures.push(error.message));
  mkdirSync(OUTPUT, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await store?.close();
  removeTempDirs();
});

describe('the inspector page in Chromium', () => {
  it('lists the ids and finds one by search', async () => {
    await page.goto(server.url);
    for (const id of ['counter|a', SPECIAL, 'counter|c']) await page.locator(`tr[data-id="${id}"]`).waitFor();
    await expect(page.locator('tr[data-id="counter|a"] td').nth(2).textContent()).resolves.toBe('1,000');
    await page.getByTestId('id-search').fill('Ü ?');
    await page.locator('tr[data-id="counter|a"]').waitFor({ state: 'detached' });
    expect(await page.locator('table.ids tbody tr').count()).toBe(1);
    await page.locator(`tr[data-id="${SPECIAL}"] a`).click();
    await page.getByTestId('entity-id').filter({ hasText: SPECIAL }).waitFor();
    // Opened at the latest event by default, with the address naming it.
    await page.getByTestId('state-at').filter({ hasText: /^30$/ }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/entity/${encodeURIComponent(SPECIAL)}?at=30`);
    expect(failures).toEqual([]);
  });

  it('opens an entity by its URL, jumps to a sequence number and shows the state stateAt gives', async () => {
    await page.goto(entityUrl('counter|a', 250));
    await page.getByTestId('state-at').filter({ hasText: /^250$/ }).waitFor();
    expect(await text('rebuilt')).toMatch(/after event 250 .* from snapshot 200 \+ 50 events/);

    await page.getByTestId('seq-input').fill('777');
    await page.getByTestId('seq-go').click();
    await page.getByTestId('state-at').filter({ hasText: /^777$/ }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/entity/${encodeURIComponent('counter|a')}?at=777`);
    await page.getByTestId('view-json').click();
    const shown = JSON.parse((await page.getByTestId('state-json').textContent()) ?? '');
    const fromApi = await apiState('counter|a', 777);
    expect(shown).toEqual(fromApi.state);
    expect(shown).toEqual((await store.inspection.stateAt('counter|a', { sequenceNr: 777 })).state);
    // The change the event made is listed and highlighted.
    expect(await page.getByTestId('diff-list').textContent()).toMatch(/count.*→/);
    await page.locator('.state button', { hasText: 'tree' }).click();
    await expect(page.locator('.json-change').count()).resolves.toBeGreaterThan(0);

    // The slider moves by one event with the keyboard.
    await page.getByTestId('slider').focus();
    await page.keyboard.press('ArrowLeft');
    await page.getByTestId('state-at').filter({ hasText: /^776$/ }).waitFor();

    // A pinned point is what every later point is compared with.
    await page.getByTestId('pin').click();
    await page.getByTestId('seq-input').fill('790');
    await page.getByTestId('seq-go').click();
    await page.getByTestId('state-at').filter({ hasText: /^790$/ }).waitFor();
    await page.getByRole('heading', { name: 'Changes from 776 (pinned)' }).waitFor();
    const pinnedDiff = await apiDiff('counter|a', 776, 790);
    expect(await page.locator('[data-testid="diff-list"] li').count()).toBe(pinnedDiff.differences.length);
    await page.getByRole('button', { name: 'unpin 776' }).click();
    await page.getByRole('heading', { name: 'Changes from 789' }).waitFor();

    // A time jumps to the last event at or before it.
    await page.getByTestId('time-input').fill(new Date(timeOfEvent(432) + 500).toISOString());
    await page.getByTestId('time-input').press('Enter');
    await page.getByTestId('state-at').filter({ hasText: /^432$/ }).waitFor();
    await page.getByTestId('time-input').fill('yesterday');
    await page.getByTestId('time-input').press('Enter');
    await page.getByText('expected a sequence number (0 or more) or an ISO-8601 time').waitFor();
    expect(failures).toEqual([]);
  });

  it('marks the damaged snapshot and reports it on verify', async () => {
    await page.goto(entityUrl('counter|a', 310));
    await page.getByTestId('state-at').filter({ hasText: /^310$/ }).waitFor();
    // Snapshot 300 cannot be read: the state comes from the one before it.
    expect(await text('rebuilt')).toMatch(/from snapshot 200 \+ 110 events; passed over snapshot 300 \(damaged\)/);
    expect(await page.locator('.timeline-snapshot.damaged').getAttribute('data-sequence-nr')).toBe('300');
    expect(await page.locator('.timeline-snapshot.readable').count()).toBe(9);
    await page.getByTestId('verify').getByRole('button').click();
    await page.getByTestId('verify-result').waitFor();
    expect(await text('verify-result')).toMatch(/1 problem.*snapshot 300 damaged/s);
    await page.screenshot({ path: join(OUTPUT, 'entity.png'), fullPage: true });
    expect(failures).toEqual([]);
  });

  it('never loads a whole history: opening and scrubbing a long one asks for bounded pages', async () => {
    await store.append('counter|long', 1, 50_000, 1000);
    const responses: { url: string; bytes: number }[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/api/')) {
        void response.body().then(
          (body) => responses.push({ url: response.url(), bytes: body.length }),
          () => undefined,
        );
      }
    });
    await page.goto(entityUrl('counter|long', 25_000));
    await page
      .getByTestId('state-at')
      .filter({ hasText: /^25000$/ })
      .waitFor();
    // The focused timeline moves by a hundredth of the history per Page Up.
    await page.getByTestId('timeline').focus();
    for (let step = 0; step < 10; step++) await page.keyboard.press('PageUp');
    await page
      .getByTestId('state-at')
      .filter({ hasText: /^30000$/ })
      .waitFor();
    await page.getByTestId('rebuilt').filter({ hasText: 'from snapshot 30000 + 0 events' }).waitFor();
    const events = responses.filter((response) => /\/events\?/.test(response.url));
    expect(events.length).toBeGreaterThan(0);
    for (const response of events) expect(Number(new URL(response.url).searchParams.get('limit'))).toBeLessThanOrEqual(11);
    // The history's events alone would be megabytes of JSON; everything the page fetched is a small fraction.
    const total = responses.reduce((sum, response) => sum + response.bytes, 0);
    expect(total).toBeLessThan(300_000);
    expect(failures).toEqual([]);
  });

  it('labels snapshot versions, folds the state tree, draws the timeline over time, and deletes a snapshot only when allowed', async () => {
    const id = 'counter|versions';
    await store.append(id, 1, 40);
    for (const sequenceNr of [10, 20, 30]) {
      const { state } = await store.inspection.stateAt(id, { sequenceNr });
      await store.snapshotStore.save(
        new SnapshotMetadata({
          persistenceId: id,
          sequenceNr,
          timestamp: timeOfEvent(sequenceNr),
          metadata: wrapSnapshotMetadata(1, undefined),
        }),
        state,
      );
    }
    await page.goto(entityUrl(id, 25));
    await page.getByTestId('state-at').filter({ hasText: /^25$/ }).waitFor();
    await page.getByTestId('rebuilt').filter({ hasText: 'from snapshot 20 + 5 events' }).waitFor();
    // Few markers: each says its version; the table too. A read-only server offers no delete.
    for (const sequenceNr of [10, 20, 30]) {
      expect(await page.locator(`.timeline-snapshot.readable[data-sequence-nr="${sequenceNr}"] text`).textContent()).toBe('v1');
    }
    expect(await page.locator('table.snapshots tr[data-sequence-nr="20"] td').nth(3).textContent()).toBe('1');
    expect(await page.locator('table.snapshots button.danger').count()).toBe(0);
    // The tree folds and unfolds a node, saying how many entries it hides.
    const items = page.locator(`.json-node[data-path='["items"]']`);
    const toggle = items.locator(':scope > .json-row > .json-toggle');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await items.locator('.json-summary').textContent()).toMatch(/^ 7 entries }$/);
    await toggle.click();
    await items.locator(`[data-path='["items","k3"]']`).waitFor();
    // Over time, the axis is labelled with times instead of sequence numbers.
    expect(await page.locator('.timeline-tick').first().textContent()).toBe('0');
    await page.getByRole('button', { name: 'time', exact: true }).click();
    await page
      .locator('.timeline-tick')
      .first()
      .filter({ hasText: /^2026-01-01 00:00:\d\d$/ })
      .waitFor();
    // With allowDelete, a confirmed delete removes the snapshot and the rebuild moves to an older one.
    const deleting = await createInspectorServer({ inspection: store.inspection, port: 0, allowDelete: true });
    try {
      page.once('dialog', (dialog) => void dialog.accept());
      await page.goto(`${deleting.url}#/entity/${encodeURIComponent(id)}?at=25`);
      await page.getByTestId('rebuilt').filter({ hasText: 'from snapshot 20 + 5 events' }).waitFor();
      await page.locator('table.snapshots tr[data-sequence-nr="20"] button.danger').click();
      await page.locator('table.snapshots tr[data-sequence-nr="20"]').waitFor({ state: 'detached' });
      await page.getByTestId('rebuilt').filter({ hasText: 'from snapshot 10 + 15 events' }).waitFor();
      expect((await store.inspection.snapshots(id)).map((snapshot) => snapshot.sequenceNr)).toEqual([10, 30]);
    } finally {
      await deleting.close();
    }
    expect(failures).toEqual([]);
  });

  it('shows a newly persisted event live, without a reload', async () => {
    await page.goto(entityUrl('counter|c'));
    await page.getByTestId('state-at').filter({ hasText: /^5$/ }).waitFor();
    // The stream is open once the page says so; from then on, new events come.
    await page.getByTestId('live-status').filter({ hasText: '(0 new)' }).waitFor();
    await store.append('counter|c', 6, 1);
    await page.locator('table.events tr[data-sequence-nr="6"]').waitFor({ timeout: 5000 });
    expect(await text('highest')).toBe('6');
    // It was at the head, so it follows it.
    await page.getByTestId('state-at').filter({ hasText: /^6$/ }).waitFor({ timeout: 5000 });
    expect(await text('live-status')).toMatch(/1 new/);
    expect(failures).toEqual([]);
  });
});
