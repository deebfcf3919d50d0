/**
 * LISTEN for the journal's append notifications, so live queries wake up when events are
 * written instead of polling blindly.
 * @module
 */
import { storeFailure } from './errors.js';
import { quoteIdentifier } from './identifier.js';
import type { PgPool } from './pg-client.js';
import type { NotifyTarget } from './schema/journal/append-events.js';

/** One append: the schema written to and the highest ordering it allocated. */
export interface AppendNotification {
  readonly schema: string;
  readonly ordering: number;
}

/** Called for every append notification of the subscribed schema. */
export type AppendListener = (notification: AppendNotification) => void;

/**
 * Listens on `target.channel` with a dedicated pooled connection and calls `listener`
 * for notifications of `target.schema`. Notifications are wake-up calls: read with
 * `readByOrdering` from your last position, they carry no events.
 */
export async function listenForAppends(pool: PgPool, target: NotifyTarget, listener: AppendListener): Promise<{ close(): Promise<void> }> {
  let client: Awaited<ReturnType<PgPool['connect']>>;
  try {
    client = await pool.connect();
  } catch (error) {
    throw storeFailure(error, 'journal.subscribe');
  }
  let failed: Error | undefined;
  const onError = (error: Error) => {
    failed = error;
  };
  const onNotification = (message: { channel: string; payload?: string | undefined }) => {
    if (message.channel !== target.channel || !message.payload) return;
    try {
      const parsed = JSON.parse(message.payload) as { schema?: unknown; ordering?: unknown };
      if (parsed.schema !== target.schema || typeof parsed.ordering !== 'number') return;
      listener({ schema: parsed.schema, ordering: parsed.ordering });
    } catch {
      // Someone else's message on a shared channel; not ours to interpret.
    }
  };
  client.on('error', onError);
  client.on('notification', onNotification);
  // The connection goes back to the pool afterwards: leave no listener behind on it.
  const release = (error?: Error) => {
    client.removeListener('notification', onNotification);
    client.removeListener('error', onError);
    client.release(error);
  };
  try {
    await client.query(`LISTEN ${quoteIdentifier(target.channel)}`);
  } catch (error) {
    release(error as Error);
    throw storeFailure(error, 'journal.subscribe');
  }
  let closed = false;
  return {
    close: async () => {
      if (closed) return;
      closed = true;
      if (failed) {
        release(failed);
        return;
      }
      await client.query(`UNLISTEN ${quoteIdentifier(target.channel)}`).then(
        () => release(),
        (error: Error) => release(error),
      );
    },
  };
}
