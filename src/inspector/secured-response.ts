/**
 * Responses with the inspector's security headers already in place. The headers go in as
 * a plain object, which @hono/node-server writes straight to the socket; setting them on
 * a finished response instead makes it build a `Headers` object on every request, a cost
 * the state route (the page's scrubbing) pays on each point.
 * @module
 */

/** Headers every answer carries: no framing, no sniffing, no referrer, no caching. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const JSON_TYPE = 'application/json; charset=utf-8';

/** Responses made here: they need no headers added afterwards. */
const secured = new WeakSet<Response>();

/** A response carrying `body` with the security headers. */
export function securedResponse(body: string, status: number, contentType: string): Response {
  const response = new Response(body, { status, headers: { 'content-type': contentType, ...SECURITY_HEADERS } });
  secured.add(response);
  return response;
}

/** `value` as a JSON response with the security headers. */
export const jsonResponse = (value: unknown, status = 200): Response => securedResponse(JSON.stringify(value), status, JSON_TYPE);

/** Adds the security headers to a response made elsewhere (redirects, the event stream). */
export function secure(response: Response): void {
  if (secured.has(response)) return;
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
}
