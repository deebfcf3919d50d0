/**
 * One id: its timeline, a slider and inputs to move to any sequence number or time, the
 * state there (tree or JSON) with the diff from the previous point or a pinned one, the
 * events around it, its snapshots, verify, and live mode. The address always names the
 * point shown, so it can be shared.
 * @module
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type DifferenceJson, type EventJson, type Info, type SnapshotJson, type StateJson, type TimelineJson } from './api.js';
import { DiffList } from './diff-list.js';
import { EventsPanel } from './events-panel.js';
import { formatCount, formatTime } from './format.js';
import { changeMarks, JsonTree } from './json-tree.js';
import { entityHash } from './route.js';
import { SnapshotsPanel, snapshotAnchor } from './snapshots-panel.js';
import { type TimelineAxis, TimelineChart } from './timeline-chart.js';
import { useLatest } from './use-latest.js';
import { VerifyPanel } from './verify-panel.js';

const BUCKETS = 500;
const EVENTS_AROUND = 5;
/** While events stream in, the timeline and snapshots are refetched at most this often. */
const REFRESH_MS = 5000;

interface Point {
  readonly state: StateJson;
  readonly differences: readonly DifferenceJson[] | undefined;
  readonly comparedWith: number | undefined;
  readonly diffError: string | undefined;
}

async function loadPoint(id: string, at: number, comparison: number | null, signal: AbortSignal): Promise<Point> {
  if (comparison === null)
    return { state: await api.state(id, at, signal), differences: undefined, comparedWith: undefined, diffError: undefined };
  try {
    const diff = await api.diff(id, comparison, at, signal);
    return { state: diff.to, differences: diff.differences, comparedWith: comparison, diffError: undefined };
  } catch (error) {
    // The earlier point may not be rebuildable (deleted events); the state itself still is.
    return {
      state: await api.state(id, at, signal),
      differences: undefined,
      comparedWith: comparison,
      diffError: (error as Error).message,
    };
  }
}

/** The view of `id`, opened at `routeAt` (default: the latest event). */
export function EntityView({ id, routeAt, info }: { id: string; routeAt: number | undefined; info: Info | undefined }) {
  const [timeline, setTimeline] = useState<TimelineJson | undefined>(undefined);
  const [allSnapshots, setAllSnapshots] = useState<readonly SnapshotJson[] | undefined>(undefined);
  const [showAllSnapshots, setShowAllSnapshots] = useState(false);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [at, setAtState] = useState<number | undefined>(routeAt);
  const [pinned, setPinned] = useState<number | null>(null);
  const [axis, setAxis] = useState<TimelineAxis>('sequence');
  const [live, setLive] = useState(true);
  const [liveStatus, setLiveStatus] = useState<'off' | 'connecting' | 'on' | string>('off');
  const [received, setReceived] = useState(0);
  const [view, setView] = useState<'tree' | 'json'>('tree');
  const [seqInput, setSeqInput] = useState('');
  const [timeInput, setTimeInput] = useState('');
  const [jumpError, setJumpError] = useState<string | undefined>(undefined);
  const [reload, setReload] = useState(0);
  const highest = timeline?.summary.highestSequenceNr ?? 0;
  const atRef = useRef(at);
  atRef.current = at;
  const highestRef = useRef(highest);
  highestRef.current = highest;

  const setAt = useCallback(
    (next: number) => {
      const clamped = Math.max(0, Math.min(next, highestRef.current));
      setJumpError(undefined);
      setAtState(clamped);
      history.replaceState(null, '', entityHash(id, clamped));
    },
    [id],
  );

  useEffect(() => {
    if (routeAt === undefined) return;
    setJumpError(undefined);
    setAtState(routeAt);
  }, [routeAt]);

  useEffect(() => {
    const controller = new AbortController();
    setAllSnapshots(undefined);
    api
      .timeline(id, BUCKETS, controller.signal)
      .then((loaded) => {
        setTimeline(loaded);
        setLoadError(undefined);
        highestRef.current = loaded.summary.highestSequenceNr;
        if (atRef.current === undefined) setAt(loaded.summary.highestSequenceNr);
      })
      .catch((error: Error) => {
        if (!controller.signal.aborted) setLoadError(error.message);
      });
    return () => controller.abort();
  }, [id, reload, setAt]);

  useEffect(() => {
    if (at !== undefined) setSeqInput(String(at));
  }, [at]);

  // The timeline carries the snapshots thinned to its markers; the full list only on request.
  const markersComplete = timeline !== undefined && timeline.snapshots.length === timeline.snapshotCount;
  useEffect(() => {
    if (!showAllSnapshots || markersComplete || allSnapshots !== undefined) return;
    const controller = new AbortController();
    api.snapshots(id, controller.signal).then(
      (listed) => setAllSnapshots(listed.snapshots),
      (error: Error) => setJumpError(error.message),
    );
    return () => controller.abort();
  }, [id, showAllSnapshots, markersComplete, allSnapshots]);

  // Live mode: new events extend the timeline at once; the summary is refetched now and then.
  useEffect(() => {
    if (!live || timeline === undefined) {
      setLiveStatus('off');
      return;
    }
    setLiveStatus('connecting');
    let refresh: ReturnType<typeof setTimeout> | undefined;
    const close = api.follow(
      id,
      timeline.summary.highestSequenceNr + 1,
      (event: EventJson) => {
        setReceived((count) => count + 1);
        const wasAtHead = atRef.current === highestRef.current;
        highestRef.current = Math.max(highestRef.current, event.sequenceNr);
        setTimeline((current) =>
          current === undefined || event.sequenceNr <= current.summary.highestSequenceNr
            ? current
            : {
                ...current,
                summary: {
                  ...current.summary,
                  highestSequenceNr: event.sequenceNr,
                  eventCount: current.summary.eventCount + 1,
                  lastWriteTimestamp: event.timestamp,
                },
                samples: [...current.samples, { sequenceNr: event.sequenceNr, timestamp: event.timestamp }],
              },
        );
        if (wasAtHead) setAt(event.sequenceNr);
        refresh ??= setTimeout(() => {
          refresh = undefined;
          setAllSnapshots(undefined);
          void api.timeline(id, BUCKETS).then(
            (fetched) =>
              setTimeline((current) => {
                if (current === undefined || fetched.summary.highestSequenceNr >= current.summary.highestSequenceNr) return fetched;
                // Events that came while it was fetched stay.
                const newer = current.samples.filter((sample) => sample.sequenceNr > fetched.summary.highestSequenceNr);
                return { ...fetched, summary: current.summary, samples: [...fetched.samples, ...newer] };
              }),
            () => undefined,
          );
        }, REFRESH_MS);
      },
      () => setLiveStatus('on'),
      (message) => setLiveStatus(message),
    );
    return () => {
      close();
      if (refresh) clearTimeout(refresh);
    };
    // Reconnect only when the id, the switch or a full reload changes, not on every event.
  }, [id, live, timeline === undefined, reload]);

  const comparison = at === undefined ? null : pinned !== null && pinned !== at ? pinned : at > 0 ? at - 1 : null;
  // A deleted snapshot (reload) changes how a point is rebuilt: its state is asked for again.
  const point = useLatest(at === undefined ? undefined : `${id}@${at}~${comparison}#${reload}`, (signal) =>
    loadPoint(id, at as number, comparison, signal),
  );
  const eventsFrom = at === undefined ? undefined : Math.max(1, at - EVENTS_AROUND);
  const events = useLatest(eventsFrom === undefined ? undefined : `${id}@${eventsFrom}/${highest}`, (signal) =>
    api.events(id, { from: eventsFrom as number, limit: 2 * EVENTS_AROUND + 1 }, signal),
  );
  const marks = useMemo(() => changeMarks(point.value?.differences), [point.value]);
  const listedSnapshots = (showAllSnapshots ? allSnapshots : undefined) ?? timeline?.snapshots ?? [];
  const anchor = snapshotAnchor(listedSnapshots, at ?? 0);
  const allowDelete = info?.allowDelete ?? false;
  const deleteSnapshot = useCallback(
    (sequenceNr: number) => {
      api.deleteSnapshot(id, sequenceNr).then(
        () => setReload((count) => count + 1),
        (error: Error) => setJumpError(error.message),
      );
    },
    [id],
  );
  // Rebuilt only when its rows change, not on every step of the slider.
  const snapshotsPanel = useMemo(
    () => (
      <SnapshotsPanel
        snapshots={listedSnapshots}
        total={timeline?.snapshotCount ?? 0}
        anchor={showAllSnapshots ? 0 : anchor}
        showAll={showAllSnapshots}
        allowDelete={allowDelete}
        onShowAll={setShowAllSnapshots}
        onJump={setAt}
        onDelete={deleteSnapshot}
      />
    ),
    [listedSnapshots, timeline?.snapshotCount, showAllSnapshots ? 0 : anchor, showAllSnapshots, allowDelete, setAt, deleteSnapshot],
  );

  if (loadError) {
    return (
      <section class="panel">
        <h2>{id}</h2>
        <p class="bad" data-testid="load-error">
          {loadError}
        </p>
        <a href="#/">back to the ids</a>
      </section>
    );
  }
  if (timeline === undefined || at === undefined) return <p class="muted">Loading {id}…</p>;

  const summary = timeline.summary;
  const shown = point.value?.state;
  const jumpToTime = async (event: Event) => {
    event.preventDefault();
    setJumpError(undefined);
    try {
      const found = await api.state(id, timeInput.trim());
      setAt(found.sequenceNr);
    } catch (error) {
      setJumpError((error as Error).message);
    }
  };
  const jumpToSequence = (event: Event) => {
    event.preventDefault();
    setJumpError(undefined);
    if (!/^\d+$/.test(seqInput.trim()) || Number(seqInput) > summary.highestSequenceNr) {
      setJumpError(`sequence number: expected an integer from 0 to ${summary.highestSequenceNr}, found ${JSON.stringify(seqInput)}`);
      return;
    }
    setAt(Number(seqInput));
  };

  return (
    <div class="entity" data-testid="entity">
      <section class="panel header">
        <h2 data-testid="entity-id">{id}</h2>
        <dl class="facts">
          <dt>events</dt>
          <dd data-testid="event-count">{formatCount(summary.eventCount)}</dd>
          <dt>highest</dt>
          <dd data-testid="highest">{summary.highestSequenceNr}</dd>
          <dt>snapshots</dt>
          <dd>{formatCount(timeline.snapshotCount)}</dd>
          <dt>last write</dt>
          <dd>{formatTime(summary.lastWriteTimestamp)}</dd>
        </dl>
        <label class="live">
          <input type="checkbox" checked={live} onChange={() => setLive(!live)} data-testid="live" /> live
          <span
            class={`live-status ${liveStatus === 'on' ? 'ok' : liveStatus === 'off' || liveStatus === 'connecting' ? 'muted' : 'bad'}`}
            data-testid="live-status"
          >
            {liveStatus === 'on' ? ` (${received} new)` : liveStatus === 'off' ? '' : ` (${liveStatus})`}
          </span>
        </label>
        <VerifyPanel id={id} onJump={setAt} />
      </section>

      <section class="panel">
        <div class="toolbar">
          <span>timeline along</span>
          <button type="button" class={axis === 'sequence' ? 'selected' : ''} onClick={() => setAxis('sequence')}>
            sequence
          </button>
          <button type="button" class={axis === 'time' ? 'selected' : ''} onClick={() => setAxis('time')}>
            time
          </button>
          <span class="legend">
            <span class="swatch readable" /> readable snapshot <span class="swatch damaged" /> damaged <span class="swatch cursor" /> shown{' '}
            {pinned !== null && (
              <>
                <span class="swatch pinned" /> pinned
              </>
            )}
          </span>
        </div>
        <TimelineChart timeline={timeline} axis={axis} at={at} pinned={pinned} onJump={setAt} />
        <input
          type="range"
          class="slider"
          data-testid="slider"
          min={0}
          max={summary.highestSequenceNr}
          step={1}
          value={at}
          onInput={(event) => setAt(Number((event.currentTarget as HTMLInputElement).value))}
          aria-label="sequence number"
        />
        <div class="toolbar">
          <button type="button" onClick={() => setAt(at - 1)} disabled={at === 0} aria-label="previous event">
            ◀
          </button>
          <button type="button" onClick={() => setAt(at + 1)} disabled={at >= summary.highestSequenceNr} aria-label="next event">
            ▶
          </button>
          <button type="button" onClick={() => setAt(summary.highestSequenceNr)}>
            latest
          </button>
          <form onSubmit={jumpToSequence} class="inline">
            <label>
              seq{' '}
              <input
                data-testid="seq-input"
                class="seq"
                value={seqInput}
                onInput={(event) => setSeqInput((event.currentTarget as HTMLInputElement).value)}
              />
            </label>
            <button type="submit" data-testid="seq-go">
              go
            </button>
          </form>
          <form onSubmit={jumpToTime} class="inline">
            <label>
              time{' '}
              <input
                data-testid="time-input"
                class="time"
                placeholder="2026-01-31T12:00:00Z"
                value={timeInput}
                onInput={(event) => setTimeInput((event.currentTarget as HTMLInputElement).value)}
              />
            </label>
            <button type="submit">go</button>
          </form>
          <button type="button" onClick={() => setPinned(pinned === at ? null : at)} data-testid="pin">
            {pinned === at ? 'unpin' : `pin ${at}`}
          </button>
          {pinned !== null && pinned !== at && (
            <button type="button" onClick={() => setPinned(null)}>
              unpin {pinned}
            </button>
          )}
          <button type="button" onClick={() => void navigator.clipboard?.writeText(location.href)} title={location.href}>
            copy link
          </button>
        </div>
        {jumpError && <p class="bad">{jumpError}</p>}
      </section>

      <div class="columns">
        <section class="panel state">
          <div class="toolbar">
            <h3>
              State at <span data-testid="state-at">{shown?.sequenceNr ?? at}</span>
            </h3>
            {point.loading && <span class="muted">loading…</span>}
            <span class="spacer" />
            <button type="button" class={view === 'tree' ? 'selected' : ''} onClick={() => setView('tree')}>
              tree
            </button>
            <button type="button" class={view === 'json' ? 'selected' : ''} onClick={() => setView('json')} data-testid="view-json">
              JSON
            </button>
          </div>
          {shown && (
            <p class="muted" data-testid="rebuilt">
              after event {shown.sequenceNr} ({formatTime(shown.timestamp)}), rebuilt by {shown.definition} from{' '}
              {shown.snapshotSequenceNr === null ? 'the initial state' : `snapshot ${shown.snapshotSequenceNr}`} +{' '}
              {formatCount(shown.replayed)} events
              {shown.skippedSnapshots.length > 0 &&
                `; passed over ${shown.skippedSnapshots
                  .map(
                    (skipped) => `snapshot ${skipped.sequenceNr} (${skipped.reason === 'version' ? 'a version nothing reads' : 'damaged'})`,
                  )
                  .join(', ')}`}
            </p>
          )}
          {point.error && (
            <p class="bad" data-testid="state-error">
              {point.error}
            </p>
          )}
          {shown &&
            (view === 'tree' ? (
              <JsonTree value={shown.state} marks={marks} />
            ) : (
              <pre class="json" data-testid="state-json">
                {JSON.stringify(shown.state, null, 2)}
              </pre>
            ))}
        </section>
        <section class="panel diff">
          <h3>
            Changes{' '}
            {point.value?.comparedWith !== undefined
              ? `from ${point.value.comparedWith}${pinned === point.value.comparedWith ? ' (pinned)' : ''}`
              : ''}
          </h3>
          {point.value?.diffError && <p class="bad">{point.value.diffError}</p>}
          {point.value?.differences ? (
            <DiffList differences={point.value.differences} from={point.value.comparedWith ?? 0} to={point.value.state.sequenceNr} />
          ) : (
            !point.value?.diffError && <p class="muted">The initial state: nothing before it.</p>
          )}
          <h3>Events around {at}</h3>
          <EventsPanel events={events.value?.events ?? []} at={at} onJump={setAt} />
        </section>
      </div>

      <section class="panel">
        <h3>Snapshots</h3>
        {snapshotsPanel}
      </section>
    </div>
  );
}
