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
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
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

// Names and values in one flat list, as writeHead takes them, in the Hono route's order.
const JSON_HEADERS: readonly string[] = Object.entries({ 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS }).flat();

// One abort signal per connection rather than an AbortController and a 'close' listener per
// request: a client that goes away closes its connection, which stops the rebuilds it asked
// for, as the Hono route's request signal does.
const connectionSignals = new WeakMap<Socket, AbortSignal>();

function connectionSignal(socket: Socket): AbortSignal {
  let signal = connectionSignals.get(socket);
  if (signal === undefined) {
    const closed = new AbortController();
    socket.once('close', () => closed.abort());
    signal = closed.signal;
    connectionSignals.set(socket, signal);
  }
  return signal;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function send(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, [...JSON_HEADERS, 'content-length', String(Buffer.byteLength(body))]);
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
    const refused = accessRefusal({ header: (name) => headerValue(headers, name), url }, token, cookieName);
    if (refused) {
      send(response, refused.status, { error: refused });
      return true;
    }
    stateAnswer(inspection, id, url, connectionSignal(request.socket)).then(
      (answer) => send(response, 200, answer),
      (error: unknown) => {
        const body = errorJson(error);
        send(response, body.error.status, body);
      },
    );
    return true;
  };
}
