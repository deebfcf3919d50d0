/**
 * Renders bench/run.ts results: text tables for stdout, docs/performance.md, and the charts
 * (hand-written SVG, bench/report/svg.ts).
 * @module
 */
import { formatValue, type Row, type ScenarioResult, type Stats } from '../scenarios/common.js';
import type { RecoveryPoint } from '../scenarios/recovery.js';
import type { WorkloadData } from '../scenarios/workload.js';
import type { WorkloadRunResult } from '../scenarios/workload-child.js';
import { missedTargetFindings } from './misses.js';
import { lineChart } from './svg.js';

/**
 * Measurements behind thresholds in the code, kept here rather than in comments (where
 * figures go stale unseen). Not rerun by the benchmark: each says when and how it was taken.
 */
const CODE_CHOICES = [
  '## Measurements behind choices in the code',
  '',
  'Taken once with micro-benchmarks on Node 20 on this machine when the code was written; not rerun by `npm run bench`. Recheck them before moving a threshold.',
  '',
  "- `src/serialization/checksum.ts`: below 256 bytes the pure-JS table lookup of `crc-32` beats zlib's native `crc32`, whose fixed call cost dominates small inputs (0.09 µs against 0.24 µs for a 90-byte event); the two cross near 256 bytes, above which zlib's wider loop wins.",
  '- `src/serialization/json-serializer.ts`: `Buffer.from(text)` is several times faster than `TextEncoder` for the short strings of events and about ten times slower for a 10 MB string, hence `TextEncoder` from 64 KiB on; reading all-ASCII JSON bytes as latin1 (a plain copy) is about 30 times faster than UTF-8 decoding at 10 MB.',
  "- `src/sqlite/sqlite-journal.ts`: serializing each write just before its INSERT, instead of the whole batch up front, cut the batched append of 100,000 events by about a third (a large batch's stored form no longer lives all at once, so the garbage collector stops promoting it).",
  '- `src/sqlite/event-pages.ts`: better-sqlite3 allocates a Buffer for every BLOB value it returns (about 0.8 µs each), which alone held replay near 400,000 events/s before pages were read as one packed row.',
  "- `src/spi/packed-event-pages.ts` (`PackedReplayPage`, `Serialization.deserializeAt`): decoding each replayed event in place from its page's buffer, instead of a stored-event object, three Buffer views, a context and an envelope-parts object per event, cut the Node CPU of a 200,000-event SQLite replay from 806 ms to 448 ms (raw packed read + JSON.parse: 197 ms), medians of 7 interleaved rounds by process.cpuUsage at load 16; the PostgreSQL replay barely moved (947 to 912 ms) because its cost is elsewhere: the packed page query takes 2.5-3.7 µs of server CPU per event (backend /proc utime+stime) against 0.35 µs for the same scan without the aggregates, and the payloads travel as hex text.",
  '- `src/postgres/postgres-journal.ts` (`replayPageSize` 4000, was 10000): a packed page of 10,000 events of 99 bytes took 3.2 µs of server CPU per event against 0.9 µs for pages of 4000 (backend /proc utime+stime over 200,000 events; a result row past about 1 MB costs several times more), and the 200,000-event replay went from 2040 ms to 1059 ms wall (raw binary keyset pages: 544 ms), medians of 5 interleaved rounds at load 6-10.',
  '- `src/sqlite/group-commit.ts`: a group commit of 100 one-event writes ran about 300 statements (a highest lookup, a one-row INSERT and an upsert per write); gathering short writes into multi-row INSERTs of up to 100 rows, with one lookup and one upsert for the whole group, took the runtime append (100 entities each awaiting every persist) from 0.15x-0.34x to 0.63x-1.07x of the hand-written group commit on a machine at load 8-13 (`npx tsx bench/run.ts --only append --quick`, rounds interleaved).',
  '- `src/serialization/serialization.ts`: deflating 10 MB of incompressible bytes took about 200 ms, which is why a 64 KiB probe decides first whether a payload is worth deflating.',
  "- `src/spi/snapshot-frame.ts` (`SnapshotEnvelopeChecksum`, used by the fs and S3 stores for frames from 2 MiB): zlib's `crc32` of a 10 MB snapshot took 1.8 ms while the buffer was in the CPU's cache and about 4.5 ms right after a read had copied it there (CPU profile of 400 SQLite loads); taking the checksum in as each 1 MiB chunk of a file is read brought a warm fs load of a 10 MB `Uint8Array` from 7.3-9.2 ms to 4.5-5.3 ms (raw `readFile` 1.6-2.8 ms), and cost more than it saved at 1 MB (docs/fs.md).",
  "- `src/postgres/schema/journal/stored-bounds.ts`: a replay page's first sequence number is read with `ORDER BY sequence_nr LIMIT 1`, not `min(sequence_nr)`: with statistics older than the stream, PostgreSQL planned `min()` as an aggregate over every later row of the id (44.5 ms against 0.07 ms for one page 1,000 events into a 200,000-event stream, EXPLAIN ANALYZE), and that stream replayed at 139,000-169,000 events/s against 389,000-455,000 with the fix. The benchmark's fixtures are analyzed, so its rows never showed it (docs/postgres.md).",
  "- `src/postgres/replay-pages.ts` (`YIELD_EVERY` 256, one page ahead): letting the event loop turn every 256 events while the next page is fetched took a 1,000,000-event PostgreSQL replay from 497,000 to 653,000 events/s, but pages that started their successor's fetch on arrival then read ahead without bound (RSS growth 136-152 MB against 78-84 MB); starting that fetch when the consumer takes the page gave 814,000 events/s and 28-68 MB (medians of 5 interleaved replays, memory from one child process each). Turns every 64, 256, 512 or 1024 events measured alike (622,000-706,000 events/s, reading ahead on arrival).",
  '',
];

/** Everything one run produced, as written to bench/results/latest.json. */
export interface BenchReport {
  readonly date: string;
  readonly command: string;
  readonly code: 'dist' | 'src';
  /** A full run: default sizes, every scenario; only those count towards "three full runs in a row". */
  readonly full: boolean;
  readonly machine: {
    readonly cpus: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly platform: string;
    readonly loadavg: number[];
    /** Load average when the run ended. */
    readonly loadavgAtEnd?: number[];
    /** Load average before the wait for a quiet machine (bench/quiet.ts), absent when skipped. */
    readonly loadavgBeforeWait?: number[];
    /** Seconds that wait took. */
    readonly quietWaitSeconds?: number;
  };
  readonly node: string;
  readonly packages: Record<string, string>;
  readonly settings: Record<string, unknown>;
  readonly durationSeconds: number;
  /** Seconds each scenario took (the fixtures its histories need included), in run order: what to trim when a run is too long. */
  readonly scenarioSeconds?: Record<string, number>;
  readonly scenarios: ScenarioResult[];
  readonly errors: { readonly scenario: string; readonly message: string }[];
}

/** One target's verdict in one run, as kept in bench/results/history.json. */
export interface TargetVerdict {
  readonly scenario: string;
  readonly name: string;
  readonly target: string;
  readonly ratio: number;
  readonly met: boolean;
}

/** One full run in bench/results/history.json. */
export interface HistoryEntry {
  readonly date: string;
  readonly command: string;
  readonly loadavg: number[];
  readonly targets: TargetVerdict[];
}

/** The target verdicts of a report. */
export const verdictsOf = (report: BenchReport): TargetVerdict[] =>
  report.scenarios.flatMap((scenario) =>
    scenario.rows
      .filter((row) => row.target !== undefined)
      .map((row) => ({ scenario: scenario.id, name: row.name, target: row.target as string, ratio: row.ratio, met: row.met === true })),
  );

export const formatNumber = formatValue;

/** How the run's start waited for a quiet machine, for the "Run" table. */
const quietWaitText = (machine: BenchReport['machine']): string =>
  machine.loadavgBeforeWait === undefined
    ? ' (no wait for a quiet machine: --no-quiet-wait, or a run before bench/quiet.ts)'
    : ` (${(machine.loadavgBeforeWait[0] ?? 0).toFixed(2)} before waiting ${Math.round(machine.quietWaitSeconds ?? 0)} s for one below 0.5)`;

const spread = (s: Stats | undefined, unit: string) =>
  s === undefined ? '' : ` [${formatValue(s.min, unit)}–${formatValue(s.max, unit)}, n=${s.n}]`;

const verdict = (row: Row): string => (row.met === undefined ? '' : row.met ? 'met' : 'MISSED');
const ratioText = (row: Row) => `${Number.isFinite(row.ratio) ? row.ratio.toFixed(2) : 'n/a'}x`;

/** Plain-text table of one scenario. */
export function formatText(scenario: ScenarioResult): string {
  const lines = [`== ${scenario.title} ==`];
  for (const row of scenario.rows) {
    lines.push(`- ${row.name}`);
    lines.push(`    ours      ${formatValue(row.ours, row.unit)} ${row.unit}${spread(row.oursStats, row.unit)}`);
    lines.push(
      `    reference ${formatValue(row.reference, row.unit)} ${row.unit}${spread(row.referenceStats, row.unit)}: ${row.referenceName}`,
    );
    lines.push(
      `    ratio     ${ratioText(row)} ${row.ratioNote}${row.extra ? ` (${row.extra})` : ''}${row.target ? `   target ${row.target}: ${verdict(row)}` : ''}`,
    );
  }
  for (const row of scenario.rows.filter((r) => (r.strategies?.length ?? 0) > 1)) {
    lines.push(`  raw strategies for "${row.name}" (median, best first):`);
    for (const strategy of row.strategies ?? [])
      lines.push(`    ${formatValue(strategy.stats.median, row.unit)} ${row.unit}${spread(strategy.stats, row.unit)}  ${strategy.name}`);
  }
  for (const note of scenario.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}

const mdCell = (text: string) => text.replaceAll('|', '\\|');

/** "met"/"missed" of a target in a past run, by row name. */
const pastVerdict = (entry: HistoryEntry | undefined, name: string): string => {
  if (!entry) return '';
  const found = entry.targets.find((target) => target.name === name);
  return found ? `${found.met ? 'met' : 'missed'} (${found.ratio.toFixed(2)}x)` : 'not run';
};

/** docs/performance.md. */
export function formatMarkdown(report: BenchReport, history: readonly HistoryEntry[], charts: { workload: boolean }): string {
  const targets = report.scenarios.flatMap((scenario) => scenario.rows.filter((row) => row.target !== undefined));
  // The runs before this one, newest first: with this run, three in a row decide a target.
  const previous = history
    .filter((entry) => entry.date !== report.date)
    .slice(-2)
    .reverse();
  const lines: string[] = [
    '# Performance',
    '',
    `<!-- Generated by \`npm run bench\` (bench/run.ts) on ${report.date}. Do not edit by hand: rerun the benchmark. -->`,
    '',
    'Every figure below is compared with a reference measured **in the same run on the same machine**, named',
    'exactly in its row: the best of several raw-driver strategies doing the same work (every strategy tried is',
    'listed with its figure), a peer library, or another size of the same case. Every contender is warmed up,',
    'runs once per round in a new random order, and is reported as the median with [min–max, rounds].',
    "Every PostgreSQL store of ours runs with `preparedStatements: true` (named prepared statements on the benchmark's",
    'direct connections; off by default for PgBouncer before 1.21, docs/postgres.md); the append statement is never',
    "prepared (its text carries the write's marker), and replay pages are COPYs, which cannot be.",
    '',
    '## How to reproduce',
    '',
    '```sh',
    report.command,
    '```',
    '',
    'Needs PostgreSQL (`MEMENTO_PG_URL`, default `postgres://postgres@127.0.0.1:5432/test`); the S3 server',
    '(s3rver) is started by the benchmark. `npm run bench` builds `dist/` and measures it everywhere, installs the',
    'peer libraries (`npm run bench:setup`; skipped when `bench/node_modules` is up to date) and runs `bench/run.ts`.',
    'Options: `--quick` (small smoke run), `--rounds N`, `--snapshot-rounds N`, `--peer-rounds N`, `--replay-events N`,',
    '`--recovery-sizes 1000,100000,1000000`, `--append-events N`, `--runtime-commands N`, `--workload-rate N`,',
    '`--workload-seconds N`, `--only append,replay,recovery,responsiveness,snapshots,memory,peers,workload`, `--no-peers`, `--no-docs`,',
    '`--no-quiet-wait` (a run first waits up to 60 s for a 1-minute load average below 0.5; the "Run" table says what it found).',
    'A full run writes `bench/results/latest.json` (every figure, ratio, min/max and strategy) and appends its',
    'target verdicts to `bench/results/history.json`; other runs write `bench/results/partial.json` only.',
    '',
    '## Run',
    '',
    '| | |',
    '| --- | --- |',
    `| date | ${report.date} |`,
    `| full run | ${report.full ? 'yes' : 'no (partial or quick: does not count towards the targets)'} |`,
    `| machine | ${report.machine.cores} cores (${report.machine.cpus}), ${report.machine.memoryGiB} GiB memory, ${report.machine.platform}; load average at start ${report.machine.loadavg.map((v) => v.toFixed(2)).join(' ')}${quietWaitText(report.machine)}${report.machine.loadavgAtEnd ? `, at end ${report.machine.loadavgAtEnd.map((v) => v.toFixed(2)).join(' ')}` : ''} |`,
    `| Node.js | ${report.node} |`,
    `| code measured | ${report.code === 'dist' ? 'the compiled `dist/` (as users run it), in every scenario' : 'the TypeScript sources through tsx'} |`,
    `| packages | ${Object.entries(report.packages)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')} |`,
    `| settings | ${mdCell(JSON.stringify(report.settings))} |`,
    `| duration | ${Math.round(report.durationSeconds)} s${
      report.scenarioSeconds
        ? ` (${Object.entries(report.scenarioSeconds)
            .map(([id, seconds]) => `${id} ${Math.round(seconds)}`)
            .join(', ')})`
        : ''
    } |`,
    '',
    '## Targets',
    '',
    'A target is met when it holds in three full runs in a row. This run and the two full runs before it',
    `(${previous.length === 0 ? 'none recorded yet' : previous.map((entry) => entry.date).join(', ')}):`,
    '',
    '| target | case | ours | reference | ratio | this run | previous run | the one before |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...targets.map(
      (row) =>
        `| ${mdCell(row.target as string)} | ${mdCell(row.name)} | ${formatValue(row.ours, row.unit)} ${row.unit} | ${formatValue(row.reference, row.unit)} ${row.unit} | ${ratioText(row)} | ${row.met ? 'met' : '**missed**'} | ${pastVerdict(previous[0], row.name)} | ${pastVerdict(previous[1], row.name)} |`,
    ),
    '',
    ...missedTargetFindings(targets),
  ];
  if (report.errors.length > 0) {
    lines.push('## Scenarios that failed in this run', '');
    for (const error of report.errors) lines.push(`- ${error.scenario}: ${mdCell(error.message)}`);
    lines.push('');
  }
  for (const scenario of report.scenarios) {
    lines.push(`## ${scenario.title}`, '');
    lines.push(`Settings: \`${JSON.stringify(scenario.settings)}\``, '');
    lines.push('| case | ours [min–max, n] | reference [min–max, n] | ratio |', '| --- | --- | --- | --- |');
    for (const row of scenario.rows) {
      lines.push(
        `| ${mdCell(row.name)} | ${formatValue(row.ours, row.unit)} ${row.unit}${spread(row.oursStats, row.unit)} | ${formatValue(row.reference, row.unit)} ${row.unit}${spread(row.referenceStats, row.unit)}: ${mdCell(row.referenceName)} | ${ratioText(row)} ${mdCell(row.ratioNote)}${row.extra ? `; ${mdCell(row.extra)}` : ''}${row.target ? ` — target ${mdCell(row.target)}: ${row.met ? 'met' : '**missed**'}` : ''} |`,
      );
    }
    lines.push('');
    if (scenario.id === 'recovery') lines.push('![Recovery time against history length](../bench/results/recovery.svg)', '');
    if (scenario.id === 'workload') {
      lines.push(...workloadTable(scenario.data as WorkloadData), '');
      if (charts.workload) lines.push('![Latency by percentile, realistic workload](../bench/results/latency.svg)', '');
    }
    for (const note of scenario.notes) lines.push(`- ${note}`);
    lines.push('');
    const tried = scenario.rows.filter((row) => (row.strategies?.length ?? 0) > 1);
    if (tried.length > 0) {
      lines.push('Raw strategies tried (median [min–max]; the first is the reference):', '');
      for (const row of tried) {
        lines.push(`- ${mdCell(row.name)}:`);
        for (const strategy of row.strategies ?? []) {
          lines.push(
            `  - ${mdCell(strategy.name)}: ${formatValue(strategy.stats.median, row.unit)} ${row.unit}${spread(strategy.stats, row.unit)}`,
          );
        }
      }
      lines.push('');
    }
  }
  lines.push(...CODE_CHOICES);
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Recovery time (log scale) against history length (log scale), with and without snapshots. */
export function recoverySvg(points: readonly RecoveryPoint[]): string {
  const label = (ms: number) => `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  const tails = [...new Set(points.map((p) => p.tail))];
  const colors = ['#1f77b4', '#2ca02c', '#d62728', '#ff7f0e'];
  return lineChart({
    title: 'Recovery time vs history length (SQLite, entity runtime)',
    x: { label: 'events in the history (log scale)', log: true },
    y: { label: 'ms (log scale)', log: true },
    series: [
      ...tails.map((tail, index) => ({
        label: `snapshot every 1000, tail of ${tail} replayed`,
        color: colors[index % colors.length] as string,
        points: points
          .filter((p) => p.tail === tail)
          .map((p) => ({ x: p.events, y: p.withSnapshots.median, label: label(p.withSnapshots.median) })),
      })),
      {
        label: 'no snapshots (every event replayed)',
        color: '#d62728',
        dashed: true,
        points: points
          .filter((p) => p.tail === tails[0])
          .map((p) => ({ x: p.events, y: p.withoutSnapshots.median, label: label(p.withoutSnapshots.median) })),
      },
    ],
  });
}

/** Latency by percentile (the usual HdrHistogram-style plot) of every backend of the realistic workload. */
export function latencySvg(data: WorkloadData): string {
  const colors: Record<string, string> = {
    'memento-sqlite': '#1f77b4',
    'memento-postgres': '#2ca02c',
    'emmett-postgresql': '#d62728',
    'castore-postgres': '#ff7f0e',
    'emmett-sqlite': '#9467bd',
  };
  const nines = (p: number) => -Math.log10(1 - p / 100);
  return lineChart({
    title: `Latency by percentile, ${data.rate} commands/s offered (open loop)`,
    x: {
      label: 'percentile',
      log: false,
      ticks: [50, 90, 99, 99.9, 99.99].map((p) => ({ at: nines(p), text: `${p}%` })),
    },
    y: { label: 'latency, ms (log scale)', log: true },
    series: data.runs
      .filter((run) => run.result)
      .map((run) => ({
        label: `${run.backend} (${run.store})`,
        color: colors[run.backend] ?? '#555',
        dashed: !run.backend.startsWith('memento-'),
        points: (run.result as WorkloadRunResult).curve.map(([p, ms]) => ({ x: nines(p), y: ms })),
      })),
  });
}

/** The realistic workload's own table (every backend's percentiles, throughput and crash recovery). */
export function workloadTable(data: WorkloadData): string[] {
  const ms = (value: number) => formatValue(value, 'ms');
  const lines = [
    '| backend | store | achieved / offered (commands/s) | p50 ms | p99 ms | p99.9 ms | max ms | failed / unfinished | recovery after SIGKILL | acknowledged writes lost |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const run of data.runs) {
    if (!run.result) {
      lines.push(`| ${run.backend} | ${run.store} | failed: ${mdCell(run.error ?? 'unknown')} | | | | | | | |`);
      continue;
    }
    const r = run.result;
    const crash = run.crash;
    lines.push(
      `| ${run.backend} | ${run.store} | ${Math.round(r.achievedPerSecond).toLocaleString('en-US')} / ${data.rate.toLocaleString('en-US')} | ${ms(r.latencyMs.p50)} | ${ms(r.latencyMs.p99)} | ${ms(r.latencyMs.p999)} | ${ms(r.latencyMs.max)} | ${r.failed} / ${r.unfinished} | ${crash ? `${ms(crash.recoveryMs)} ms (${crash.recoveredEntities.toLocaleString('en-US')} entities, ${crash.recoveredEvents.toLocaleString('en-US')} events)` : ''} | ${crash ? Math.max(0, crash.ackedBeforeKill - crash.recoveredEvents) : ''} |`,
    );
  }
  return lines;
}
