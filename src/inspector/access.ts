/**
 * Who may talk to the inspector. On loopback without a token, only requests whose Host
 * names a loopback address (a web page on another site cannot rebind its name to
 * 127.0.0.1 and read the store); with a token, every request must carry it, compared in
 * constant time.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { searchParamsOf } from './query-parameters.js';

/** True for a host name or address that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare.toLowerCase().startsWith('::ffff:127.');
  return false;
}

/** The host name of a Host header (without the port), or undefined when malformed. */
export function hostOfHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(:\d+)?$/.exec(header);
  return match?.[1];
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Compares a presented token with the expected one in time independent of where they differ. */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  // Equal-length digests: timingSafeEqual needs equal lengths, and the length of the token stays hidden too.
  return timingSafeEqual(digest(expected), digest(presented));
}

/**
 * The token a request carries: `Authorization: Bearer`, the `token` query parameter, or the
 * session cookie. `url` is the request's absolute URL or its request target.
 */
export function presentedToken(request: { header(name: string): string | undefined; url: string }, cookieName: string): string | undefined {
  const authorization = request.header('authorization');
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length);
  const query = searchParamsOf(request.url).get('token');
  if (query !== null) return query;
  const cookies = request.header('cookie');
  if (!cookies) return undefined;
  for (const part of cookies.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === cookieName) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/** Why a request is refused before routing: the status, code and message of the error body. */
export interface AccessRefusal {
  readonly status: 401 | 403;
  readonly code: 'FORBIDDEN' | 'UNAUTHORIZED';
  readonly message: string;
}

/**
 * The checks every request passes before any route: a loopback Host when there is no token,
 * no cross-site Origin, and the token when one is set. Undefined when the request may go on.
 */
export function accessRefusal(
  request: { header(name: string): string | undefined; url: string },
  token: string | undefined,
  cookieName: string,
): AccessRefusal | undefined {
  const host = request.header('host');
  if (token === undefined && !isLoopbackHost(hostOfHeader(host) ?? '')) {
    return {
      status: 403,
      code: 'FORBIDDEN',
      message: `Host header: expected a loopback name (127.0.0.1, localhost, [::1]), found ${JSON.stringify(host ?? null)}`,
    };
  }
  const origin = request.header('origin');
  if (origin !== undefined && origin !== `http://${host}`) {
    return {
      status: 403,
      code: 'FORBIDDEN',
      message: `Origin header: expected http://${host} (requests from other sites are refused), found ${JSON.stringify(origin)}`,
    };
  }
  if (token !== undefined && !tokenMatches(token, presentedToken(request, cookieName))) {
    return {
      status: 401,
      code: 'UNAUTHORIZED',
      message: 'token: expected the token the server was started with (?token=..., or Authorization: Bearer ...), found none or another',
    };
  }
  return undefined;
}
