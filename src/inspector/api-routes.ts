/**
 * The inspector's JSON API (documented in docs/inspector.md): ids, one id's summary,
 * timeline, events, snapshots, state, diff, verify and snapshot deletion. Every route
 * checks its query first; user values are encoded exactly (json-view).
 * @module
 */
import type { Context, Hono } from 'hono';
import { validatePersistenceId } from '../core/persistence-id.js';
import type { IdSummary, Inspection } from '../inspect/inspection.js';
import { BadRequestError, parseInteger, QueryParameters } from './query-parameters.js';
import { differenceJson, eventJson, type StateJson, snapshotJson, stateJson, verifyJson } from './responses.js';
import { jsonResponse } from './secured-response.js';
import { buildTimeline } from './timeline.js';

/** What the routes need. */
export interface ApiSettings {
  readonly inspection: Inspection;
  readonly allowDelete: boolean;
}

const MAX = Number.MAX_SAFE_INTEGER;
/** Ids scanned per request by a `contains` search before it answers with what it found and where to go on. */
const CONTAINS_SCAN_BUDGET = 10_000;
const CONTAINS_PAGE = 200;

/** The persistence id in the path, checked. */
export function entityId(c: Context): string {
  return checkedId(c.req.param('id') ?? '');
}

function checkedId(id: string): string {
  try {
    validatePersistenceId(id, 'persistence id in the path');
  } catch (error) {
    throw new BadRequestError((error as Error).message.replace(/^\[memento\] /, ''));
  }
  return id;
}

/** The body of `GET /api/entities/:id/state` for the decoded `id` and the request's `url` (absolute, or its request target). */
export async function stateAnswer(inspection: Inspection, id: string, url: string, signal: AbortSignal): Promise<StateJson> {
  checkedId(id);
  const query = new QueryParameters(url, ['at', 'definition']);
  const options = { definition: query.nonEmptyString('definition'), signal };
  return stateJson(await inspection.stateAt(id, query.point('at'), options));
}

/** The summary of one id, or a 404 naming it. */
export async function summaryOf(inspection: Inspection, id: string): Promise<IdSummary> {
  // The smallest id with prefix `id` is `id` itself when it exists.
  const [first] = await inspection.ids({ prefix: id, limit: 1 });
  if (first?.persistenceId !== id) throw new BadRequestError(`persistence id ${JSON.stringify(id)}: expected a stored id, found none`, 404);
  return first;
}

/** Registers the JSON routes on `app`. */
export function registerApiRoutes(app: Hono, { inspection, allowDelete }: ApiSettings): void {
  app.get('/api/info', (c) => {
    new QueryParameters(c.req.url, []);
    return jsonResponse({ allowDelete, definitions: inspection.definitions() });
  });

  app.get('/api/ids', async (c) => {
    const query = new QueryParameters(c.req.url, ['prefix', 'contains', 'after', 'limit']);
    const prefix = query.nonEmptyString('prefix');
    const contains = query.nonEmptyString('contains')?.toLowerCase();
    let after = query.nonEmptyString('after');
    const limit = query.integer('limit', { min: 1, max: 1000 }, 100);
    if (contains === undefined) {
      const ids = await inspection.ids({ prefix, after, limit });
      return jsonResponse({ ids, next: ids.length === limit ? (ids[ids.length - 1] as IdSummary).persistenceId : null });
    }
    const found: IdSummary[] = [];
    let scanned = 0;
    for (;;) {
      const page = await inspection.ids({ prefix, after, limit: CONTAINS_PAGE });
      let index = 0;
      for (; index < page.length && found.length < limit && scanned < CONTAINS_SCAN_BUDGET; index++) {
        const summary = page[index] as IdSummary;
        scanned++;
        after = summary.persistenceId;
        if (summary.persistenceId.toLowerCase().includes(contains)) found.push(summary);
      }
      if (page.length < CONTAINS_PAGE && index === page.length) return jsonResponse({ ids: found, next: null, scanned });
      if (found.length === limit || scanned >= CONTAINS_SCAN_BUDGET) return jsonResponse({ ids: found, next: after ?? null, scanned });
    }
  });

  app.get('/api/entities/:id', async (c) => {
    const id = entityId(c);
    new QueryParameters(c.req.url, []);
    return jsonResponse(await summaryOf(inspection, id));
  });

  app.get('/api/entities/:id/timeline', async (c) => {
    const id = entityId(c);
    const query = new QueryParameters(c.req.url, ['buckets']);
    const buckets = query.integer('buckets', { min: 2, max: 5000 }, 500);
    const timeline = await buildTimeline(inspection, await summaryOf(inspection, id), buckets);
    return jsonResponse({ ...timeline, snapshots: timeline.snapshots.map(snapshotJson) });
  });

  app.get('/api/entities/:id/events', async (c) => {
    const id = entityId(c);
    const query = new QueryParameters(c.req.url, ['from', 'to', 'limit']);
    const from = query.integer('from', { min: 1, max: MAX }, 1);
    const to = query.integer('to', { min: from, max: MAX }, MAX);
    const limit = query.integer('limit', { min: 1, max: 1000 }, 100);
    const events = await inspection.events(id, { from, to, limit });
    const last = events[events.length - 1];
    const next = events.length === limit && last && last.sequenceNr < to ? last.sequenceNr + 1 : null;
    return jsonResponse({ events: events.map(eventJson), next });
  });

  app.get('/api/entities/:id/snapshots', async (c) => {
    const id = entityId(c);
    new QueryParameters(c.req.url, []);
    return jsonResponse({ snapshots: (await inspection.snapshots(id)).map(snapshotJson) });
  });

  // Served by state-route.ts before Hono; this one answers what that one passes on (HEAD, unusual paths).
  app.get('/api/entities/:id/state', async (c) =>
    jsonResponse(await stateAnswer(inspection, c.req.param('id') ?? '', c.req.url, c.req.raw.signal)),
  );

  app.get('/api/entities/:id/diff', async (c) => {
    const id = entityId(c);
    const query = new QueryParameters(c.req.url, ['from', 'to', 'definition']);
    const options = { definition: query.nonEmptyString('definition'), signal: c.req.raw.signal };
    const result = await inspection.diff(id, query.point('from'), query.point('to'), options);
    return jsonResponse({ from: stateJson(result.from), to: stateJson(result.to), differences: result.differences.map(differenceJson) });
  });

  app.post('/api/entities/:id/verify', async (c) => {
    const id = entityId(c);
    const query = new QueryParameters(c.req.url, ['sample']);
    const sample = query.integer('sample', { min: 1, max: MAX }, undefined);
    const report = await inspection.verify([id], { ...(sample === undefined ? {} : { sample }), signal: c.req.raw.signal });
    return jsonResponse(verifyJson(report));
  });

  app.post('/api/verify', async (c) => {
    new QueryParameters(c.req.url, []);
    const body = await jsonBody(c);
    const { ids, all, sample } = body as { ids?: unknown; all?: unknown; sample?: unknown };
    const unknown = Object.keys(body).filter((key) => !['ids', 'all', 'sample'].includes(key));
    if (unknown.length > 0)
      throw new BadRequestError(
        `verify body: expected the fields ids, all, sample, found ${unknown.map((k) => JSON.stringify(k)).join(', ')}`,
      );
    if ((ids === undefined) === (all !== true)) {
      throw new BadRequestError(
        `verify body: expected either "ids" (a list of persistence ids) or "all": true, found ${JSON.stringify(body)}`,
      );
    }
    if (ids !== undefined && (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string'))) {
      throw new BadRequestError(`verify body "ids": expected a non-empty list of persistence ids, found ${JSON.stringify(ids)}`);
    }
    if (sample !== undefined && (typeof sample !== 'number' || !Number.isSafeInteger(sample) || sample < 1)) {
      throw new BadRequestError(`verify body "sample": expected an integer of 1 or more, found ${JSON.stringify(sample)}`);
    }
    const report = await inspection.verify(all === true ? 'all' : (ids as string[]), {
      ...(sample === undefined ? {} : { sample }),
      signal: c.req.raw.signal,
    });
    return jsonResponse(verifyJson(report));
  });

  app.delete('/api/entities/:id/snapshots/:sequenceNr', async (c) => {
    const id = entityId(c);
    new QueryParameters(c.req.url, []);
    if (!allowDelete)
      throw new BadRequestError('deleting snapshots: expected a server started with --allow-delete, found a read-only one', 403);
    const sequenceNr = parseInteger(c.req.param('sequenceNr'), 'snapshot sequence number in the path', { min: 1, max: MAX });
    const snapshots = await inspection.snapshots(id);
    if (!snapshots.some((snapshot) => snapshot.sequenceNr === sequenceNr)) {
      throw new BadRequestError(`snapshot ${sequenceNr} of ${JSON.stringify(id)}: expected a stored snapshot, found none`, 404);
    }
    await inspection.deleteSnapshot(id, sequenceNr);
    return jsonResponse({ deleted: { persistenceId: id, sequenceNr } });
  });
}

/** A JSON object body; `Content-Type: application/json` required (a cross-site form cannot send it). */
async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new BadRequestError(`request body: expected Content-Type application/json, found ${JSON.stringify(type)}`);
  let body: unknown;
  try {
    body = await c.req.json();
  } catch (error) {
    throw new BadRequestError(`request body: expected JSON, found text that does not parse (${(error as Error).message})`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequestError(`request body: expected a JSON object, found ${JSON.stringify(body)}`);
  return body as Record<string, unknown>;
}
