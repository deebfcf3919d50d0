/**
 * Loading an optional peer dependency (a driver, MessagePack, the AWS SDK) on first use,
 * so that importing a Memento entry point never needs a package the user does not use.
 * A missing or broken peer becomes one {@link PeerDependencyError} saying what to install.
 * @module
 */
import { createRequire } from 'node:module';
import { PeerDependencyError } from './errors.js';

/** An optional peer dependency and how to tell the user about it. */
export interface OptionalPeer {
  /** npm package name, e.g. `better-sqlite3`. */
  readonly name: string;
  /** The component that needs it, for the message prefix, e.g. `sqlite`. */
  readonly source: string;
  /** Appended to the advice, e.g. `or pass an open Database`. @default none */
  readonly alternative?: string;
}

function isNotInstalled(name: string, cause: unknown): boolean {
  const code = (cause as { code?: unknown } | null)?.code;
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  // A module missing inside an installed peer is a broken install, not a missing peer.
  const message = cause instanceof Error ? cause.message : '';
  return message.includes(`'${name}'`);
}

/** The error for a peer that could not be loaded: not installed, or installed but broken. */
export function peerDependencyError(peer: OptionalPeer, cause: unknown): PeerDependencyError {
  const alternative = peer.alternative ? `, ${peer.alternative}` : '';
  if (isNotInstalled(peer.name, cause)) {
    return new PeerDependencyError(peer.name, `${peer.name} is not installed; install it with "npm install ${peer.name}"${alternative}`, {
      expected: `${peer.name} installed`,
      actual: 'not installed',
      source: peer.source,
      cause,
    });
  }
  const reason = cause instanceof Error ? (cause.message.split('\n')[0] ?? '') : String(cause);
  return new PeerDependencyError(
    peer.name,
    `cannot load ${peer.name} (${reason}); reinstall it with "npm install ${peer.name}"${alternative}`,
    {
      expected: `${peer.name} loadable`,
      actual: reason,
      source: peer.source,
      cause,
    },
  );
}

/**
 * Loads a peer synchronously with `require` (CommonJS peers, or ESM ones without top-level
 * await on Node >= 20.19). `from` is where resolution starts: a plugin outside this package
 * passes its own `import.meta.url`. @default this package
 */
export function requireOptionalPeer<T>(peer: OptionalPeer, from: string | URL = import.meta.url): T {
  try {
    return createRequire(from)(peer.name) as T;
  } catch (cause) {
    throw peerDependencyError(peer, cause);
  }
}

/** Loads a peer with `import()`, resolved from this package; for ESM-only peers. */
export async function importOptionalPeer<T>(peer: OptionalPeer): Promise<T> {
  try {
    return (await import(peer.name)) as T;
  } catch (cause) {
    throw peerDependencyError(peer, cause);
  }
}
