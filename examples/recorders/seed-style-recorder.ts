/**
 * A recorder written by hand the way the mintBlue tutorial writes its S3Recorder: only
 * `afterDispatch` and `loadSnapshot`, a 5-second debounce, JSON in a bucket. It imports
 * nothing from Memento, to show such a recorder plugs into a Machine unchanged.
 */

/** The two calls of the tutorial's S3 helper this recorder uses. */
export interface Bucket {
  /** Stores the object. */
  upload(key: string, body: Uint8Array): Promise<void>;
  /** The object's bytes, or null when it does not exist. */
  download(key: string): Promise<Uint8Array | null>;
}

/** An action as the tutorial's machine delivers it. */
interface SeedAction {
  id: string;
  type: string;
  payload: unknown;
  timestamp: number;
}

/** What the tutorial calls a snapshot: the last action and the state after it. */
interface SeedSnapshot<S> {
  action: SeedAction | null;
  state: S;
}

/** Uploads the latest snapshot after 5 s without dispatches; loads it on start. */
export class SeedStyleRecorder<S = unknown> {
  /** The latest snapshot heard about. */
  snapshot: SeedSnapshot<S | null> = { action: null, state: null };
  /** The pending upload. */
  timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly bucket: Bucket,
    readonly file: string,
    readonly delayMs = 5000,
  ) {}

  /** Schedules an upload of the latest snapshot after `delayMs` without dispatches. */
  async afterDispatch(snapshot: SeedSnapshot<S>): Promise<void> {
    if (!snapshot.action) {
      // The first invocation carries the initial (or loaded) state: nothing new to save.
      return;
    }
    this.snapshot = snapshot;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.bucket.upload(this.file, new TextEncoder().encode(JSON.stringify(snapshot, null, 2)));
    }, this.delayMs);
  }

  /** The uploaded snapshot, or null before the first upload. */
  async loadSnapshot(): Promise<SeedSnapshot<S> | null> {
    const body = await this.bucket.download(this.file);
    return body ? (JSON.parse(new TextDecoder().decode(body)) as SeedSnapshot<S>) : null;
  }
}
