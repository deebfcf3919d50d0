/**
 * The page's calls to the inspector's JSON API (docs/inspector.md); the token, when the
 * server has one, travels in its cookie.
 * @module
 */
import type { IdSummary, StateDefinitionSummary } from '../../inspect/inspection.js';
import type { DifferenceJson, EventJson, SnapshotJson, StateJson, VerifyJson } from '../responses.js';
import type { TimelineSample } from '../timeline.js';

export type { DifferenceJson, EventJson, IdSummary, SnapshotJson, StateJson, VerifyJson };

/** `GET /api/info`. */
export interface Info {
  readonly allowDelete: boolean;
  readonly definitions: readonly StateDefinitionSummary[];
}

/** `GET /api/entities/:id/timeline`. */
export interface TimelineJson {
  readonly summary: IdSummary;
  readonly samples: readonly TimelineSample[];
  readonly snapshots: readonly SnapshotJson[];
  readonly snapshotCount: number;
}

/** `GET /api/entities/:id/diff`. */
export interface DiffJson {
  readonly from: StateJson;
  readonly to: StateJson;
  readonly differences: readonly DifferenceJson[];
}

/** A failed call, with the server's message. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

async function call<T>(method: string, path: string, signal?: AbortSignal, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    signal: signal ?? null,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError(response.status, `${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
  }
  if (!response.ok) {
    const message = (parsed as { error?: { message?: string } }).error?.message ?? `${response.status}`;
    throw new ApiError(response.status, message);
  }
  return parsed as T;
}

const entity = (id: string) => `/api/entities/${encodeURIComponent(id)}`;
const query = (values: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
};

/** The API, one function per route. */
export const api = {
  info: (signal?: AbortSignal) => call<Info>('GET', '/api/info', signal),
  ids: (options: { contains?: string; after?: string; limit?: number }, signal?: AbortSignal) =>
    call<{ ids: IdSummary[]; next: string | null }>('GET', `/api/ids${query(options)}`, signal),
  timeline: (id: string, buckets: number, signal?: AbortSignal) =>
    call<TimelineJson>('GET', `${entity(id)}/timeline${query({ buckets })}`, signal),
  events: (id: string, options: { from?: number; to?: number; limit?: number }, signal?: AbortSignal) =>
    call<{ events: EventJson[]; next: number | null }>('GET', `${entity(id)}/events${query(options)}`, signal),
  snapshots: (id: string, signal?: AbortSignal) => call<{ snapshots: SnapshotJson[] }>('GET', `${entity(id)}/snapshots`, signal),
  state: (id: string, at: number | string, signal?: AbortSignal) => call<StateJson>('GET', `${entity(id)}/state${query({ at })}`, signal),
  diff: (id: string, from: number, to: number, signal?: AbortSignal) =>
    call<DiffJson>('GET', `${entity(id)}/diff${query({ from, to })}`, signal),
  verify: (id: string) => call<VerifyJson>('POST', `${entity(id)}/verify`),
  deleteSnapshot: (id: string, sequenceNr: number) => call<unknown>('DELETE', `${entity(id)}/snapshots/${sequenceNr}`),
  /** New events of `id` from `from` on, as they are persisted. */
  follow: (id: string, from: number, onEvent: (event: EventJson) => void, onReady: () => void, onFailure: (message: string) => void) => {
    const source = new EventSource(`${entity(id)}/events/stream${query({ from })}`);
    source.addEventListener('ready', () => onReady());
    source.addEventListener('event', (message) => onEvent(JSON.parse((message as MessageEvent<string>).data) as EventJson));
    source.addEventListener('failure', (message) => {
      const body = JSON.parse((message as MessageEvent<string>).data) as { error: { message: string } };
      onFailure(body.error.message);
      source.close();
    });
    return () => source.close();
  },
};
