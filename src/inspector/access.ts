/**
 * Who may talk to the inspector. On loopback without a token, only requests whose Host
 * names a loopback address (a web page on another site cannot rebind its name to
 * 127.0.0.1 and read the store); with a token, every request must carry it, compared in
 * constant time.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

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

/** The token a request carries: `Authorization: Bearer`, the `token` query parameter, or the session cookie. */
export function presentedToken(request: { header(name: string): string | undefined; url: string }, cookieName: string): string | undefined {
  const authorization = request.header('authorization');
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length);
  const query = new URL(request.url).searchParams.get('token');
  if (query !== null) return query;
  const cookies = request.header('cookie');
  if (!cookies) return undefined;
  for (const part of cookies.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === cookieName) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}
