/**
 * What the profiles showed for targets the benchmark misses: printed in docs/performance.md
 * under each target this run missed, so that a missed row says where the time goes. Like
 * the code choices, these were measured outside the benchmark and say when and how.
 * @module
 */
import type { Row } from '../scenarios/common.js';

/** A profile finding and the target rows it explains. */
interface MissProfile {
  readonly rows: RegExp;
  readonly finding: string;
}

const MISS_PROFILES: readonly MissProfile[] = [
  {
    rows: /^SQLite append/,
    finding:
      'Per 100-event transaction through the runtime, timed inside the group commit at synchronous = NORMAL (2,000 transactions, a scratch script against dist/, 2026-12-04): ours 7 µs BEGIN, 22 µs reading the highest sequence numbers (the sequence check), 136 µs encoding, 246 µs inserting, 59 µs recording the highest numbers (journal_highest, which keeps them after deletions and lets the tampering checks see a removed tail), 579 µs COMMIT; the hand-written group commit 5 µs BEGIN, 275 µs JSON.stringify + INSERT, 489 µs COMMIT (smaller rows). Encoding one event takes 1.0 µs against 0.45 µs for JSON.stringify + Buffer.from: the envelope (CRC-32, place tag, writer id). Through the runtime, the entity around the writes adds about 250 µs per 100 commands against 22 µs for the raw writers. One-row upserts of journal_highest were slower (112-125 µs against 64-65 µs per transaction); dropping the record would save 5-9% and what it guards.',
  },
  {
    rows: /^PostgreSQL append/,
    finding:
      'Inside one transaction, without its commit (2026-12-04): advancing 100 rows of memento_journal_streams, the check that makes each write start at highest + 1 and stay all-or-nothing, takes 0.85 ms; inserting the 100 journal rows 1.72 ms against 1.23 ms for 100 raw rows (ours carry writer id, write id and tags). The append statement carries a marker unique to the write, by which the outcome of a statement cut off by a lost connection is found, so it is never a prepared statement; named prepared statements gave the raw strategies nothing measurable (listed with the strategies). Through the runtime one statement runs per free connection, 3.2-8 ms each (p50 5.1 ms), with 1-2 ms of client work between statements. Turning NOTIFY off changed nothing measurable.',
  },
  {
    rows: /^SQLite replay/,
    finding:
      'CPU profile of a 300,000-event replay (2026-12-04): JSON.parse and slicing 31%, the page SELECT 27%, the CRC-32 of each event 10%, framing the events in the page 10%; the async iterator costs 65 ns per event against a plain loop. The reference parses each row and does nothing else: no checksum, no framing, no PersistentRepr.',
  },
  {
    rows: /^SQLite load, (warm|cold).* 1 KB/,
    finding:
      "A warm 1 KB JSON load, 7 interleaved rounds of 50,000 loads (a scratch script against dist/, 2026-12-04): the store's SELECT 5.26 µs against 5.08 µs raw (four columns and the criteria bounds against three columns), then reading the envelope 1.78 µs (CRC-32, place tag, JSON) against 0.77 µs for fromBinary: 7.05-7.35 µs against 5.85 µs whole, 1.20-1.25x. In the benchmark each sample follows other backends' contenders, and the same 1.5 µs comes out at 1.3-1.9x. A cold load adds the store object (a constructor of about 3 µs).",
  },
  {
    rows: /^PostgreSQL load, (warm|cold).* 1 KB/,
    finding:
      "With named prepared statements on both sides, 9 interleaved rounds of 300 loads through a pool of 4 (a scratch script against dist/, 2026-12-04): the store's SELECT written by hand as a named statement and decoded by Serialization.deserialize 177 µs, the raw named SELECT + fromBinary 169 µs, the store's load 199 µs (a new store object per load 214 µs). So the store's own path adds about 20-25 µs per load, of which 5.5 µs is JavaScript (measured against an in-memory pool: guard, retried read, envelope); the rest moves with the machine's noise, which is of the same size (rounds of one contender spread over ±20 µs). Before named statements (the default, for PgBouncer) the load took 272-302 µs.",
  },
  {
    rows: /^fs load, (warm|cold).* 1 KB/,
    finding:
      "A load lists the id's directory, to find the newest snapshot and to notice one written or deleted by another process; a warm store reads the file it last saved while the listing runs, a new store object knows no file, so it lists first and then reads. 9 interleaved rounds of 3,000 loads with fs.promises (a scratch script, 2026-12-04): readdir alone 55 µs, warm load 228 µs, cold 306 µs, readFile + fromBinary 212 µs. The reference reads a file whose name it knows.",
  },
  {
    rows: /^(fs load, (warm|cold).* (1|10) MB json|S3 load, (warm|cold).* (1|10) MB)/,
    finding:
      "Noise of the size of the margin: outside the benchmark a 10 MB JSON fs load took 24.6 ms against 23.4 ms raw (1.05x, 9 rounds of 30, 2026-12-04), and the same row measured 1.00x to 1.97x across three full runs. S3 loads of 10 MB swing more still: the raw GetObject's own samples ranged from 14 to 67 ms within one run (s3rver on the same two cores). Beyond the raw GET, ours reads the id's head object first when the snapshot is larger than headCopyMaxBytes (one small GET: the raw 1 KB GETs took 1.7-2.2 ms at their medians in the same runs) and checks the CRC-32 (2.1 ms for 10 MB).",
  },
  {
    rows: /^PostgreSQL load a 10,000-event stream: Memento entity recovery vs castore/,
    finding:
      "Our recovery of the 10,000-event stream varies more than the peer's: in the three runs of 2026-12-04 its fastest samples were 22-23 ms against castore's 30-34 ms, its medians 31-38 ms against 35-46 ms. An A/B of the peers scenario with named prepared statements on and off (two runs each) showed no effect of them (ratios 1.16 and 1.24 on, 1.03 and 1.42 off). The previous session's runs had 1.37-1.42x on a quieter machine.",
  },
  {
    rows: /^(fs|SQLite) load, (warm|cold).* (1|10) MB bytes/,
    finding:
      "A bytes snapshot is stored as it is, so the reference's decode is at most a copy, while our load checks the CRC-32 of every byte: zlib.crc32 of 10 MB takes 2.1 ms on this machine (best of 20, about 5 GB/s, the same after a zlib stream has initialized its CPU features; 2026-12-04), against 1.5 ms for the raw read of the file from the page cache; for 1 MB, 0.21 ms against a raw SQLite read of 0.33 ms. Within 1.3x needs the checksum at 10-20 GB/s.",
  },
];

/** Markdown lines: for each missed target of `targets` with a finding, the finding. */
export function missedTargetFindings(targets: readonly Row[]): string[] {
  const lines: string[] = [];
  for (const profile of MISS_PROFILES) {
    const missed = targets.filter((row) => row.met === false && profile.rows.test(row.name));
    if (missed.length === 0) continue;
    lines.push(`- ${missed.map((row) => row.name).join('; ')}: ${profile.finding}`);
  }
  return lines.length === 0 ? [] : ['## Where the missed targets lose', '', ...lines, ''];
}
