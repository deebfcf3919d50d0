/**
 * `GET /api/entities/:id/state` straight on Node's request and response. Scrubbing the
 * page's slider asks for one state per position, so this route's cost per request is the
 * inspector's latency; going through Hono and its Node adaptor builds a web Request, a
 * context, a middleware chain and a web Response around each answer. The route answers
 * exactly as the Hono one does (same access checks, query checks, body, headers and
 * errors); anything it is not sure to read the same way (another method, no Host, an
 * unusual path) goes on to the Hono application.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Inspection } from '../inspect/inspection.js';
import { accessRefusal } from './access.js';
import { stateAnswer } from './api-routes.js';
import { errorJson } from './responses.js';
import { SECURITY_HEADERS } from './secured-response.js';

/** What the route needs. */
export interface StateRouteSettings {
  readonly inspection: Inspection;
  /** Required on every request when set. */
  readonly token: string | undefined;
  readonly cookieName: string;
}

// The id segment as Hono's router takes it: no slash, percent escapes well formed.
const STATE_PATH = /^\/api\/entities\/((?:[^/?#%]|%[0-9A-Fa-f]{2})+)\/state(?:\?|$)/;
// Host headers Hono's adaptor turns into the same URL without rewriting them.
const PLAIN_HOST = /^[A-Za-z0-9.:[\]-]+$/;

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS };

function send(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/**
 * A request listener for the state route: true when it took the request (and answers it),
 * false when the request is for the Hono application.
 */
export function stateRoute({
  inspection,
  token,
  cookieName,
}: StateRouteSettings): (request: IncomingMessage, response: ServerResponse) => boolean {
  return (request, response) => {
    const { url, headers } = request;
    const host = headers.host;
    if (request.method !== 'GET' || url === undefined || host === undefined || !PLAIN_HOST.test(host)) return false;
    const match = STATE_PATH.exec(url);
    if (match === null) return false;
    let id: string;
    try {
      id = decodeURIComponent(match[1] as string);
    } catch {
      return false;
    }
    const fullUrl = `http://${host}${url}`;
    const header = (name: string): string | undefined => {
      const value = headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    const refused = accessRefusal({ header, url: fullUrl }, token, cookieName);
    if (refused) {
      send(response, refused.status, { error: refused });
      return true;
    }
    // A client that goes away stops the rebuild, as the Hono route's request signal does.
    const closed = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) closed.abort();
    });
    stateAnswer(inspection, id, fullUrl, closed.signal).then(
      (answer) => send(response, 200, answer),
      (error: unknown) => {
        const body = errorJson(error);
        send(response, body.error.status, body);
      },
    );
    return true;
  };
}
