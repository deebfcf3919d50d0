/**
 * Fetching for a value that changes fast (a slider being dragged): one request in
 * flight, and when it ends, one more for the newest value if it moved. The server never
 * queues a request per pixel; the page always ends on the value the user stopped at.
 * @module
 */
import { useEffect, useRef, useState } from 'preact/hooks';

/** The result for `key`, or the newest one while the next is loading. */
export interface Latest<T> {
  readonly value: T | undefined;
  readonly error: string | undefined;
  /** The key `value` (or `error`) belongs to. */
  readonly key: string | undefined;
  readonly loading: boolean;
}

/** Runs `load` for `key` (skipped while `key` is undefined), at most one at a time. */
export function useLatest<T>(key: string | undefined, load: (signal: AbortSignal) => Promise<T>): Latest<T> {
  const [result, setResult] = useState<Latest<T>>({ value: undefined, error: undefined, key: undefined, loading: false });
  const wanted = useRef<{ key: string; load: (signal: AbortSignal) => Promise<T> } | undefined>(undefined);
  const running = useRef(false);
  const alive = useRef(new AbortController());

  useEffect(() => {
    const controller = alive.current;
    return () => controller.abort();
  }, []);

  useEffect(() => {
    if (key === undefined) return;
    wanted.current = { key, load };
    if (running.current) return;
    const run = async () => {
      running.current = true;
      let done: string | undefined;
      while (wanted.current && wanted.current.key !== done && !alive.current.signal.aborted) {
        const next = wanted.current;
        done = next.key;
        setResult((previous) => ({ ...previous, loading: true }));
        try {
          const value = await next.load(alive.current.signal);
          if (!alive.current.signal.aborted) setResult({ value, error: undefined, key: next.key, loading: false });
        } catch (error) {
          if (!alive.current.signal.aborted)
            setResult({ value: undefined, error: (error as Error).message, key: next.key, loading: false });
        }
      }
      running.current = false;
    };
    void run();
  }, [key]);

  return result;
}
