/**
 * Micro-benchmark of the per-event serialization path: `Serialization.serialize` and
 * `deserialize` of a typical small event (the envelope, its checksum and place binding, and
 * the JSON serializer), plus the default serializer alone on plain values and on values
 * holding Map, Set, Date and BigInt (its tagged form).
 *
 * Run: `npx tsx bench/envelope.ts [--rounds N] [--ops N]` (MEMENTO_BENCH_SRC=/path/to/src/index.ts
 * measures another copy of the sources, e.g. the previous commit's). Prints the median of the rounds,
 * in nanoseconds per operation. Figures go in docs/performance.md, never into tests.
 * @module
 */

// MEMENTO_BENCH_SRC points at another copy of src/index.ts, to compare two versions in one sitting.
const source = process.env.MEMENTO_BENCH_SRC ?? '../src/index.js';
const { JsonSerializer, Serialization } = (await import(source)) as typeof import('../src/index.js');

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(argv[at + 1]);
};
const rounds = option('rounds', 9);
const ops = option('ops', 200_000);

/** Median nanoseconds per call of `work` over `rounds` rounds of `ops` calls (after a warm-up round). */
function measure(work: (index: number) => unknown): number {
  const results: number[] = [];
  let sink: unknown;
  for (let round = -1; round < rounds; round++) {
    const started = process.hrtime.bigint();
    for (let index = 0; index < ops; index++) sink = work(index);
    const elapsed = Number(process.hrtime.bigint() - started) / ops;
    if (round >= 0) results.push(elapsed);
  }
  if (sink === Symbol.for('never')) console.log(sink);
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)] as number;
}

const serialization = new Serialization();
const event = { type: 'item-added', cartId: 'cart-4711', sku: 'sku-123456', quantity: 2, price: 1999, at: 1_700_000_000_000 };
const persistenceId = 'cart|4711-2c1f-4e0b-9a7d';
const contexts = Array.from({ length: 1024 }, (_, index) => ({ persistenceId, sequenceNr: index + 1, what: 'event' as const }));
const envelopes = contexts.map((context) => serialization.serialize(event, context));

const rows: [string, number][] = [];
rows.push(['serialize one event (envelope + JSON)', measure((index) => serialization.serialize(event, contexts[index & 1023]))]);
rows.push([
  'deserialize one event (envelope + JSON)',
  measure((index) => serialization.deserialize(envelopes[index & 1023] as Uint8Array, contexts[index & 1023])),
]);

const json: import('../src/index.js').Serializer = new JsonSerializer();
const plainState = {
  items: [
    { sku: 'a', quantity: 1 },
    { sku: 'b', quantity: 2 },
  ],
  owner: 'ann',
  total: 3,
  open: true,
  note: null,
};
const richState = {
  items: new Map([
    ['a', 1],
    ['b', 2],
  ]),
  seen: new Set(['x']),
  at: new Date(0),
  big: 12n,
  open: true,
};
const encode = (value: unknown) => {
  const encoder = json as unknown as { encode?: (value: unknown) => { manifest: string; bytes: Uint8Array } };
  return encoder.encode ? encoder.encode(value) : { manifest: json.manifest(value), bytes: json.toBinary(value) };
};
for (const [label, value] of [
  ['plain state', plainState],
  ['Map/Set/Date/BigInt state', richState],
] as const) {
  let encoded: { manifest: string; bytes: Uint8Array };
  try {
    encoded = encode(value);
  } catch {
    rows.push([`JSON serializer, ${label}: not representable`, Number.NaN]);
    continue;
  }
  rows.push([`JSON serializer encode, ${label}`, measure(() => encode(value))]);
  rows.push([`JSON serializer decode, ${label}`, measure(() => json.fromBinary(encoded.bytes, encoded.manifest))]);
}

console.log(`node ${process.version}, ${rounds} rounds x ${ops} ops, median ns/op`);
for (const [label, nanos] of rows) console.log(`${label.padEnd(52)} ${Number.isNaN(nanos) ? '-' : nanos.toFixed(0).padStart(6)}`);
