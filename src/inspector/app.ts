/**
 * The inspector's HTTP application (Hono): access checks first, then the page's files,
 * the JSON API and the event stream, with one error shape for every failure.
 * @module
 */
import type { HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import type { Inspection } from '../inspect/inspection.js';
import { accessRefusal } from './access.js';
import { registerApiRoutes } from './api-routes.js';
import { registerEventStream } from './event-stream.js';
import type { PageAssets } from './page-assets.js';
import { errorJson } from './responses.js';
import { jsonResponse, secure, securedResponse } from './secured-response.js';

/** What the application needs. */
export interface InspectorAppSettings {
  readonly inspection: Inspection;
  readonly assets: PageAssets;
  readonly allowDelete: boolean;
  /** Required on every request when set. */
  readonly token: string | undefined;
  /** Name of the cookie that carries the token after the first visit. */
  readonly cookieName: string;
  /** Aborts when the server closes (ends event streams). */
  readonly closing: AbortSignal;
}

const failure = (status: number, code: string, message: string) => jsonResponse({ error: { status, code, message } }, status);

/**
 * A request header. Read from Node's own request when served by @hono/node-server: asking
 * the web `Request` for one header makes it build a `Headers` object of all of them.
 */
function headerOf(c: Context, name: string): string | undefined {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Builds the application. */
export function createInspectorApp(settings: InspectorAppSettings): Hono {
  const { assets, token, cookieName } = settings;
  const app = new Hono();

  app.use('*', async (c, next) => {
    const refused = accessRefusal({ header: (name) => headerOf(c, name), url: c.req.url }, token, cookieName);
    if (refused) return failure(refused.status, refused.code, refused.message);
    await next();
    secure(c.res);
    return undefined;
  });

  app.get('/', (c) => {
    const page = assets.get('/');
    if (page === undefined) return failure(500, 'INTERNAL', 'the inspector page is missing from the build');
    const presented = new URL(c.req.url).searchParams.get('token');
    if (token !== undefined && presented !== null) {
      // Keep the token in a cookie for the page's own requests and drop it from the address bar.
      c.header('set-cookie', `${cookieName}=${encodeURIComponent(presented)}; Path=/; HttpOnly; SameSite=Strict`);
      return c.redirect('/', 303);
    }
    return securedResponse(page.body, 200, page.contentType);
  });
  for (const [path, asset] of assets) {
    if (path !== '/') app.get(path, () => securedResponse(asset.body, 200, asset.contentType));
  }

  registerApiRoutes(app, settings);
  registerEventStream(app, settings.inspection, settings.closing);

  app.notFound((c) =>
    failure(404, 'NOT_FOUND', `path: expected / or one of the /api routes (docs/inspector.md), found ${JSON.stringify(c.req.path)}`),
  );
  app.onError((error) => {
    const body = errorJson(error);
    return jsonResponse(body, body.error.status);
  });
  return app;
}
