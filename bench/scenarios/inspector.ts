/**
 * The web inspector: the state at random points of a long history (1M events, a snapshot
 * every 1000) through its HTTP API, against the direct `inspection.stateAt` call in the
 * same run, alternating which goes first. Issue 16's goals: at most 1.5x the direct call,
 * and a median under 100 ms. Also `verify --all`'s throughput on that history, as a
 * ratio to a plain replay of the same events (no goal set).
 * @module
 */
import { join } from 'node:path';
import {
  type BenchSettings,
  loadInspect,
  loadInspector,
  loadMemento,
  loadSqlite,
  median,
  percentile,
  type Row,
  type ScenarioResult,
  timed,
} from './common.js';
import { counterEntity, stateAt as counterValueAt } from './entity.js';
import { type Fixtures, historyId } from './fixtures.js';
import { LoopbackHttpClient } from './loopback-http-client.js';

const SNAPSHOT_EVERY = 1000;
const WARM_UP = 10;

/** A seeded generator (mulberry32), so every run asks for the same points. */
function randomPoints(count: number, highest: number, seed = 16): number[] {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => 1 + Math.floor(next() * highest));
}

export async function runInspectorScenario(settings: BenchSettings, fixtures: Fixtures, dir: string): Promise<ScenarioResult> {
  const { log } = settings;
  const events = settings.inspectorEvents;
  const id = historyId(events);
  const memento = await loadMemento();
  const sqlite = await loadSqlite();
  const { createInspection } = await loadInspect();
  const { createInspectorServer } = await loadInspector();

  const snapshotFile = join(dir, 'inspector-snapshots.db');
  const seeder = new sqlite.SqliteSnapshotStore(snapshotFile, { synchronous: 'NORMAL' });
  for (let sequenceNr = SNAPSHOT_EVERY; sequenceNr <= events; sequenceNr += SNAPSHOT_EVERY) {
    await seeder.save(
      new memento.SnapshotMetadata({ persistenceId: id, sequenceNr, timestamp: Date.now(), metadata: { memento: { version: 1 } } }),
      { value: counterValueAt(sequenceNr) },
    );
  }
  await seeder.close();
  log(`inspector: ${Math.floor(events / SNAPSHOT_EVERY)} snapshots saved for the ${events}-event history`);

  const journal = new sqlite.SqliteJournal(fixtures.sqliteFile);
  const snapshotStore = new sqlite.SqliteSnapshotStore(snapshotFile);
  const inspection = createInspection({ journal, snapshotStore, definitions: [counterEntity(memento)] });
  const server = await createInspectorServer({ inspection, port: 0 });
  const check = (at: number, value: unknown) => {
    if (value !== counterValueAt(at)) throw new Error(`state at ${at}: expected ${counterValueAt(at)}, found ${String(value)}`);
  };
  // The route passes the request's abort signal to stateAt, so the direct call gets one too:
  // both then pay the same cancellation checks.
  const signal = new AbortController().signal;
  const direct = async (at: number) =>
    check(at, ((await inspection.stateAt(id, { sequenceNr: at }, { signal })).state as { value: number }).value);
  // The lightest client that can do the request (one kept-alive socket, the response framed by
  // its Content-Length), not node:http's or fetch's: the client runs in this process too, and
  // node:http's client machinery cost about as much as the server's part of the request (the
  // page's client is the browser, in another process). The server side is the inspector's own.
  const client = await LoopbackHttpClient.connect(new URL(server.url));
  const statePath = (at: number) => `/api/entities/${encodeURIComponent(id)}/state?at=${at}`;
  const overHttp = async (at: number) => {
    const { status, body } = await client.get(statePath(at));
    if (status !== 200) throw new Error(`GET ${statePath(at)}: ${status} ${body}`);
    check(at, (JSON.parse(body) as { state: { value: number } }).state.value);
  };

  const directMs: number[] = [];
  const httpMs: number[] = [];
  // CPU time (user + system, this process) per call besides wall time: on a loaded machine an
  // HTTP round trip waits for the CPU at each of its socket wake-ups, which the direct call
  // (no I/O) never does, so wall time alone mixes the API's cost with the machine's load.
  const directCpuMs: number[] = [];
  const httpCpuMs: number[] = [];
  // Each timed window ends with the same event-loop settle for both contenders. V8 runs most
  // young-generation collections as tasks when the loop turns, and only the HTTP call turns it:
  // without the settle, the collections of a direct call's garbage ran inside the next HTTP
  // request's window. Two setImmediate turns let any pending collection task run in the window
  // of whoever made the garbage.
  const settle = async () => {
    await new Promise(setImmediate);
    await new Promise(setImmediate);
  };
  const measured = async (work: () => Promise<void>, wall: number[], cpu: number[]) => {
    const before = process.cpuUsage();
    wall.push(
      await timed(async () => {
        await work();
        await settle();
      }),
    );
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
  };
  let timelineMs = 0;
  let verifyMs = 0;
  let verifiedEvents = 0;
  let replayMs = 0;
  let replayedEvents = 0;
  let verifyCpuMs = 0;
  let replayCpuMs = 0;
  const cpuOf = (before: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000;
  };
  try {
    for (const at of randomPoints(WARM_UP, events, 1)) {
      await direct(at);
      await overHttp(at);
    }
    const points = randomPoints(settings.inspectorPoints, events);
    for (const [index, at] of points.entries()) {
      // Alternate which goes first, so neither always finds the pages the other just read.
      if (index % 2 === 0) {
        await measured(() => direct(at), directMs, directCpuMs);
        await measured(() => overHttp(at), httpMs, httpCpuMs);
      } else {
        await measured(() => overHttp(at), httpMs, httpCpuMs);
        await measured(() => direct(at), directMs, directCpuMs);
      }
    }
    timelineMs = await timed(async () => {
      const response = await fetch(new URL(`/api/entities/${encodeURIComponent(id)}/timeline`, server.url));
      if (!response.ok) throw new Error(`timeline: ${response.status} ${await response.text()}`);
      await response.json();
    });
    // verify --all's work on this history: every snapshot compared with the replay up to it,
    // against a plain replay of the same events (each event decoded once, no fold).
    const beforeVerify = process.cpuUsage();
    verifyMs = await timed(async () => {
      const report = await inspection.verify('all');
      if (!report.ok) throw new Error(`verify found problems: ${JSON.stringify(report.problems.slice(0, 3))}`);
      verifiedEvents = report.eventsReplayed;
    });
    verifyCpuMs = cpuOf(beforeVerify);
    const beforeReplay = process.cpuUsage();
    replayMs = await timed(async () => {
      for await (const _ of journal.replay(id, 1, events)) replayedEvents++;
    });
    replayCpuMs = cpuOf(beforeReplay);
  } finally {
    client.close();
    await server.close();
    await inspection.close();
    await snapshotStore.close();
    await journal.close();
  }
  const http = median(httpMs);
  const reference = median(directMs);
  log(`inspector: state over HTTP median ${http.toFixed(2)} ms, direct ${reference.toFixed(2)} ms, timeline ${timelineMs.toFixed(0)} ms`);
  const label = events.toLocaleString('en-US');
  const verifyRate = verifiedEvents / (verifyMs / 1000);
  const replayRate = replayedEvents / (replayMs / 1000);
  log(`inspector: verify --all ${Math.round(verifyRate)} events/s, plain replay ${Math.round(replayRate)} events/s`);
  const rows: Row[] = [
    {
      name: `state at a random point of ${label} events over HTTP (GET /api/entities/:id/state)`,
      ours: http,
      reference,
      referenceName:
        'direct stateAt call, each timed call followed by the same event-loop settle as the HTTP call (inspection.stateAt, the same point, same process, with an abort signal as the route passes)',
      unit: 'ms (median)',
      ratio: http / reference,
      ratioNote: 'HTTP / direct (time; lower is better)',
      extra: `p90 ${percentile(httpMs, 90).toFixed(2)} ms over HTTP, ${percentile(directMs, 90).toFixed(2)} ms direct; CPU time median ${median(httpCpuMs).toFixed(2)} ms over HTTP, ${median(directCpuMs).toFixed(2)} ms direct (${(median(httpCpuMs) / median(directCpuMs)).toFixed(2)}x)`,
      target: '<= 1.5x the direct call, and a median < 100 ms (issue #16)',
      met: http / reference <= 1.5 && http < 100,
    },
    {
      name: `verify --all over the ${label}-event history (every snapshot against the replay)`,
      ours: verifyRate,
      reference: replayRate,
      referenceName: 'a plain replay of the same events (journal.replay, no fold)',
      unit: 'events/s',
      ratio: verifyRate / replayRate,
      ratioNote: 'verify / plain replay (throughput; higher is better)',
      extra: `${verifiedEvents} events replayed by verify in ${verifyMs.toFixed(0)} ms (CPU ${verifyCpuMs.toFixed(0)} ms); ${replayedEvents} by the plain replay in ${replayMs.toFixed(0)} ms (CPU ${replayCpuMs.toFixed(0)} ms); throughput ratio by CPU time ${(verifiedEvents / verifyCpuMs / (replayedEvents / replayCpuMs)).toFixed(2)}x`,
    },
  ];
  return {
    id: 'inspector',
    title: 'Web inspector',
    settings: { events, snapshotEvery: SNAPSHOT_EVERY, points: settings.inspectorPoints },
    rows,
    notes: [
      `${settings.inspectorPoints} random points (seeded, the same every run) of a ${label}-event SQLite history with a snapshot every ${SNAPSHOT_EVERY}: each rebuilds from the snapshot at or before the point plus up to ${SNAPSHOT_EVERY - 1} events. Over HTTP adds the request, the exact JSON encoding of the state and the response's parsing (the lightest client in the same process: one kept-alive loopback socket, a GET written by hand, the response framed by its Content-Length and its body parsed with JSON.parse; the server is the inspector's own node:http server); both are checked against the expected value.`,
      "Each timed call, direct or over HTTP, ends inside its window with the same event-loop settle (two setImmediate turns): V8 runs most young-generation collections as tasks when the loop turns, and only the HTTP call turns it, so without the settle the collections of the direct calls' garbage were charged to the next HTTP request. The reference is the direct stateAt call, each timed call followed by the same event-loop settle as the HTTP call.",
      `Opening the page's timeline of this history (GET timeline: 500 sampled events and every snapshot's metadata and readability) took ${timelineMs.toFixed(0)} ms, once.`,
      ...(events === 1_000_000
        ? []
        : [`History length ${label} events: smaller than the issue's 1M; run with --inspector-events 1000000.`]),
    ],
  };
}
