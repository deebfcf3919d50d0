/**
 * `createInspectorServer`: the web inspector over an {@link Inspection}, on loopback by
 * default, read-only unless `allowDelete`, and behind a token when bound anywhere else.
 * @module
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Inspection } from '../inspect/inspection.js';
import { isLoopbackHost } from './access.js';
import { createInspectorApp } from './app.js';
import { loadPageAssets } from './page-assets.js';
import { stateRoute } from './state-route.js';

/** Options of {@link createInspectorServer}. */
export interface InspectorServerOptions {
  /** What to show; the server does not close it. */
  readonly inspection: Inspection;
  /** Address to bind; anything but loopback requires `token`. @default '127.0.0.1' */
  readonly host?: string;
  /** Port; 0 picks a free one. @default 4680 */
  readonly port?: number;
  /** Required on every request when set (at least 16 characters). */
  readonly token?: string;
  /** Enables `DELETE /api/entities/:id/snapshots/:seq`. @default false */
  readonly allowDelete?: boolean;
}

/** A running inspector. */
export interface InspectorServer {
  /** The address the server listens on, e.g. `http://127.0.0.1:4680/`. */
  readonly url: string;
  /** The URL to open in a browser: `url` with `?token=` when a token is set. */
  readonly openUrl: string;
  readonly host: string;
  readonly port: number;
  /** Ends open event streams and stops listening; the inspection stays open. */
  close(): Promise<void>;
}

/** The inspector's default port. */
export const DEFAULT_INSPECTOR_PORT = 4680;
const MIN_TOKEN_LENGTH = 16;

const invalid = (message: string) => new TypeError(`[memento] [inspector] ${message}`);

function validateOptions(options: InspectorServerOptions): Required<Omit<InspectorServerOptions, 'token'>> & { token: string | undefined } {
  if (typeof options !== 'object' || options === null)
    throw invalid(`options: expected { inspection, host?, port?, token?, allowDelete? }, found ${String(options)}`);
  const { inspection, host = '127.0.0.1', port = DEFAULT_INSPECTOR_PORT, token, allowDelete = false } = options;
  const methods = ['ids', 'events', 'follow', 'snapshots', 'definitions', 'stateAt', 'diff', 'verify', 'deleteSnapshot'] as const;
  const missing = methods.filter((name) => typeof (inspection as unknown as Record<string, unknown>)?.[name] !== 'function');
  if (missing.length > 0)
    throw invalid(`options.inspection: expected an Inspection (createInspection), found one without ${missing.join(', ')}`);
  if (typeof host !== 'string' || host.length === 0)
    throw invalid(`options.host: expected a host name or address, found ${JSON.stringify(host)}`);
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535)
    throw invalid(`options.port: expected an integer from 0 to 65535, found ${JSON.stringify(port)}`);
  if (token !== undefined && (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH)) {
    throw invalid(
      `options.token: expected a string of at least ${MIN_TOKEN_LENGTH} characters (e.g. openssl rand -hex 16), found ${typeof token === 'string' ? `${token.length} characters` : typeof token}`,
    );
  }
  if (token === undefined && !isLoopbackHost(host)) {
    throw invalid(
      `options.token: expected a token to bind ${JSON.stringify(host)} (anything but loopback is reachable by others), found none`,
    );
  }
  if (typeof allowDelete !== 'boolean') throw invalid(`options.allowDelete: expected true or false, found ${JSON.stringify(allowDelete)}`);
  return { inspection, host, port, token, allowDelete };
}

/** Starts the inspector; resolves once it listens. */
export async function createInspectorServer(options: InspectorServerOptions): Promise<InspectorServer> {
  const { inspection, host, port, token, allowDelete } = validateOptions(options);
  const assets = loadPageAssets();
  const closing = new AbortController();
  let app: Hono | undefined;
  let fastState: ReturnType<typeof stateRoute> | undefined;
  const honoListener = getRequestListener((request, env) => (app ? app.fetch(request, env) : new Response('starting', { status: 503 })));
  const server = createServer((request, response) => {
    if (fastState?.(request, response)) return;
    void honoListener(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(invalid(`cannot listen on ${host}:${port}: ${(error as Error).message}`)));
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  // Cookies ignore ports: one cookie name per port keeps two inspectors on one host apart.
  const cookieName = `memento_inspector_${address.port}`;
  app = createInspectorApp({
    inspection,
    assets,
    allowDelete,
    token,
    cookieName,
    closing: closing.signal,
  });
  fastState = stateRoute({ inspection, token, cookieName });
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/`;
  return {
    url,
    openUrl: token === undefined ? url : `${url}?token=${encodeURIComponent(token)}`,
    host: address.address,
    port: address.port,
    close: async () => {
      closing.abort();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
    },
  };
}
