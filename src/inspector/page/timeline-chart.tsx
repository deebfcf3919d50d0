/**
 * The timeline of one id as an SVG chart, drawn from the server's sampled summary: along
 * the sequence axis (the curve is when each event happened) or over time (the curve is
 * how many events there were). Snapshot markers show readable / damaged and the version;
 * the current point and the pinned one are vertical lines; a click jumps there.
 * @module
 */
import { useMemo } from 'preact/hooks';
import type { SnapshotJson, TimelineJson } from './api.js';
import { formatCount, formatTime } from './format.js';

/** Which axis runs left to right. */
export type TimelineAxis = 'sequence' | 'time';

interface ChartProps {
  readonly timeline: TimelineJson;
  readonly axis: TimelineAxis;
  readonly at: number;
  readonly pinned: number | null;
  readonly onJump: (sequenceNr: number) => void;
}

const WIDTH = 1000;
const HEIGHT = 180;
const LEFT = 8;
const RIGHT = 8;
const TOP = 12;
const PLOT_BOTTOM = 130;
const MARKERS = 150;

/** The timestamp of `sequenceNr`, interpolated between samples. */
export function timeOf(samples: TimelineJson['samples'], sequenceNr: number): number | undefined {
  if (samples.length === 0) return undefined;
  let low = 0;
  let high = samples.length - 1;
  const first = samples[0] as (typeof samples)[number];
  const last = samples[high] as (typeof samples)[number];
  if (sequenceNr <= first.sequenceNr) return first.timestamp;
  if (sequenceNr >= last.sequenceNr) return last.timestamp;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if ((samples[middle] as (typeof samples)[number]).sequenceNr <= sequenceNr) low = middle;
    else high = middle;
  }
  const a = samples[low] as (typeof samples)[number];
  const b = samples[high] as (typeof samples)[number];
  return a.timestamp + ((b.timestamp - a.timestamp) * (sequenceNr - a.sequenceNr)) / (b.sequenceNr - a.sequenceNr);
}

/** The sequence number at `timestamp` (the last sample at or before it). */
export function sequenceAt(samples: TimelineJson['samples'], timestamp: number): number {
  let found = 0;
  for (const sample of samples) {
    if (sample.timestamp > timestamp) break;
    found = sample.sequenceNr;
  }
  return found;
}

function markerTitle(snapshot: SnapshotJson): string {
  const state = snapshot.readable ? 'readable' : `damaged: ${snapshot.problem?.message ?? 'cannot be read'}`;
  const version = snapshot.version === null ? '' : ` · version ${snapshot.version}`;
  return `snapshot at ${formatCount(snapshot.sequenceNr)} · ${formatTime(snapshot.timestamp)}${version} · ${state}`;
}

/** The chart. */
export function TimelineChart({ timeline, axis, at, pinned, onJump }: ChartProps) {
  const { samples, snapshots, summary } = timeline;
  const highest = summary.highestSequenceNr;
  const firstTime = samples[0]?.timestamp ?? 0;
  const lastTime = samples[samples.length - 1]?.timestamp ?? firstTime;
  const timeSpan = Math.max(1, lastTime - firstTime);
  const span = WIDTH - LEFT - RIGHT;
  const height = PLOT_BOTTOM - TOP;
  const xOfSequence = (sequenceNr: number) => LEFT + (highest === 0 ? 0 : (sequenceNr / highest) * span);
  const xOfTime = (timestamp: number) => LEFT + ((timestamp - firstTime) / timeSpan) * span;
  const x = (sequenceNr: number, timestamp: number | undefined) =>
    axis === 'sequence' ? xOfSequence(sequenceNr) : xOfTime(timestamp ?? timeOf(samples, sequenceNr) ?? firstTime);
  const y = (sequenceNr: number, timestamp: number) =>
    axis === 'sequence'
      ? PLOT_BOTTOM - ((timestamp - firstTime) / timeSpan) * height
      : PLOT_BOTTOM - (highest === 0 ? 0 : (sequenceNr / highest) * height);

  const jumpTo = (event: MouseEvent) => {
    const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, ((event.clientX - box.left) / box.width) * (WIDTH / span) - LEFT / span));
    onJump(axis === 'sequence' ? Math.round(fraction * highest) : sequenceAt(samples, firstTime + fraction * timeSpan));
  };

  // The keyboard moves like the slider: arrows by one event, Page Up / Down by a hundredth.
  const onKey = (event: KeyboardEvent) => {
    const big = Math.max(1, Math.round(highest / 100));
    const step = { ArrowLeft: -1, ArrowRight: 1, PageDown: -big, PageUp: big }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    onJump(at + step);
  };

  // Everything but the two cursors depends on the data only: drawn once per timeline, not per slider step.
  const background = useMemo(() => {
    const line = samples
      .map(
        (sample, index) =>
          `${index === 0 ? 'M' : 'L'}${x(sample.sequenceNr, sample.timestamp).toFixed(1)},${y(sample.sequenceNr, sample.timestamp).toFixed(1)}`,
      )
      .join('');
    const every = Math.ceil(snapshots.length / MARKERS);
    const markers = snapshots.length <= MARKERS ? snapshots : snapshots.filter((s, index) => !s.readable || index % every === 0);
    return (
      <g>
        <rect class="timeline-plot" x={LEFT} y={TOP} width={span} height={height} />
        <path class="timeline-line" d={line} />
        {markers.map((snapshot) => {
          const mx = x(snapshot.sequenceNr, snapshot.timestamp);
          return (
            <g
              key={snapshot.sequenceNr}
              class={`timeline-snapshot ${snapshot.readable ? 'readable' : 'damaged'}`}
              data-sequence-nr={snapshot.sequenceNr}
            >
              <title>{markerTitle(snapshot)}</title>
              <line x1={mx} x2={mx} y1={TOP} y2={PLOT_BOTTOM} />
              <path d={`M${mx - 5},${PLOT_BOTTOM + 12} L${mx + 5},${PLOT_BOTTOM + 12} L${mx},${PLOT_BOTTOM + 3} Z`} />
              {markers.length <= 20 && snapshot.version !== null && (
                <text x={mx} y={PLOT_BOTTOM + 24} text-anchor="middle">
                  v{snapshot.version}
                </text>
              )}
            </g>
          );
        })}
        {[0, 0.25, 0.5, 0.75, 1].map((fraction) => (
          <text
            key={fraction}
            class="timeline-tick"
            x={LEFT + fraction * span}
            y={HEIGHT - 4}
            text-anchor={fraction === 0 ? 'start' : fraction === 1 ? 'end' : 'middle'}
          >
            {axis === 'sequence'
              ? formatCount(Math.round(fraction * highest))
              : formatTime(firstTime + fraction * timeSpan)
                  .replace('T', ' ')
                  .slice(0, 19)}
          </text>
        ))}
      </g>
    );
  }, [timeline, axis]);

  return (
    <div
      class="timeline"
      data-testid="timeline"
      role="slider"
      tabIndex={0}
      aria-label={`timeline of ${formatCount(highest)} events and ${formatCount(timeline.snapshotCount)} snapshots`}
      aria-valuemin={0}
      aria-valuemax={highest}
      aria-valuenow={at}
      onClick={jumpTo}
      onKeyDown={onKey}
    >
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} aria-hidden="true">
        {background}
        {pinned !== null && <line class="timeline-pinned" x1={x(pinned, undefined)} x2={x(pinned, undefined)} y1={TOP} y2={PLOT_BOTTOM} />}
        <line class="timeline-cursor" x1={x(at, undefined)} x2={x(at, undefined)} y1={TOP - 4} y2={PLOT_BOTTOM} />
      </svg>
    </div>
  );
}
