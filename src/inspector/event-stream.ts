/**
 * `GET /api/entities/:id/events/stream`: new events of one id as server-sent events,
 * from `?from=` (default: after the highest now), resuming after `Last-Event-ID` when the
 * browser reconnects. Ends when the client goes or the server closes.
 * @module
 */
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Inspection } from '../inspect/inspection.js';
import { entityId, summaryOf } from './api-routes.js';
import { parseInteger, QueryParameters } from './query-parameters.js';
import { errorJson, eventJson } from './responses.js';

/** A comment line this often keeps proxies and the browser from timing the stream out. */
const KEEP_ALIVE_MS = 15_000;

/** Registers the event stream route; `closing` aborts every stream when the server closes. */
export function registerEventStream(app: Hono, inspection: Inspection, closing: AbortSignal): void {
  app.get('/api/entities/:id/events/stream', async (c) => {
    const id = entityId(c);
    const query = new QueryParameters(c.req.url, ['from']);
    const lastEventId = c.req.header('last-event-id');
    const max = { min: 1, max: Number.MAX_SAFE_INTEGER };
    let from =
      lastEventId !== undefined
        ? parseInteger(lastEventId, 'header Last-Event-ID', { min: 0, max: Number.MAX_SAFE_INTEGER - 1 }) + 1
        : query.integer('from', max, undefined);
    from ??= (await summaryOf(inspection, id)).highestSequenceNr + 1;
    const start = from;
    return streamSSE(
      c,
      async (stream) => {
        const stop = new AbortController();
        const end = () => stop.abort();
        stream.onAbort(end);
        closing.addEventListener('abort', end, { once: true });
        const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n').catch(end), KEEP_ALIVE_MS);
        try {
          // Tells the client the subscription is in place: events persisted from now on will come.
          await stream.writeSSE({ event: 'ready', data: JSON.stringify({ persistenceId: id, from: start }) });
          for await (const event of inspection.follow(id, { from: start, signal: stop.signal })) {
            if (stop.signal.aborted) break;
            await stream.writeSSE({ event: 'event', id: String(event.sequenceNr), data: JSON.stringify(eventJson(event)) });
          }
        } finally {
          clearInterval(keepAlive);
          closing.removeEventListener('abort', end);
          stop.abort();
        }
      },
      async (error, stream) => {
        await stream.writeSSE({ event: 'failure', data: JSON.stringify(errorJson(error)) });
      },
    );
  });
}
