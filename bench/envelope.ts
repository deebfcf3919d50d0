/**
 * Micro-benchmark of the per-event serialization path: `Serialization.serialize` and
 * `deserialize` of a typical small event (the envelope, its checksum and place binding, and
 * the JSON serializer), plus the default serializer alone on a plain state (its fast path)
 * and on a state holding Map, Set, Date and BigInt (its tagged form).
 *
 * Run: `npx tsx bench/envelope.ts [--rounds N] [--ops N] [--compare /other/src/index.ts]`.
 * With `--compare`, the other copy of the sources (say the previous commit's, checked out
 * elsewhere with a node_modules link) is measured in alternating rounds in the same process,
 * so both see the same machine load. Prints medians in nanoseconds per operation. Figures go
 * in the docs, never into tests.
 * @module
 */
type Module = typeof import('../src/index.js');

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = argv.indexOf(`--${name}`);
  return at === -1 ? undefined : argv[at + 1];
};
const rounds = Number(option('rounds') ?? 15);
const ops = Number(option('ops') ?? 20_000);
const compare = option('compare');

const implementations: [string, Module][] = [['this', await import('../src/index.js')]];
if (compare) implementations.unshift(['compared', (await import(compare)) as Module]);

const event = { type: 'item-added', cartId: 'cart-4711', sku: 'sku-123456', quantity: 2, price: 1999, at: 1_700_000_000_000 };
const persistenceId = 'cart|4711-2c1f-4e0b-9a7d';
const contexts = Array.from({ length: 1024 }, (_, index) => ({ persistenceId, sequenceNr: index + 1, what: 'event' as const }));
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

/** Named operations of one implementation; undefined where it cannot do the case. */
function cases(module: Module): [string, ((index: number) => unknown) | undefined][] {
  const serialization = new module.Serialization();
  const envelopes = contexts.map((context) => serialization.serialize(event, context));
  const json: import('../src/index.js').Serializer = new module.JsonSerializer();
  const encode = (value: unknown) => (json.encode ? json.encode(value) : { manifest: json.manifest(value), bytes: json.toBinary(value) });
  const encoded = (value: unknown) => {
    try {
      return encode(value);
    } catch {
      return undefined;
    }
  };
  const [plain, rich] = [encoded(plainState), encoded(richState)];
  return [
    ['serialize one event (envelope + JSON)', (index) => serialization.serialize(event, contexts[index & 1023])],
    [
      'deserialize one event (envelope + JSON)',
      (index) => serialization.deserialize(envelopes[index & 1023] as Uint8Array, contexts[index & 1023]),
    ],
    ['JSON encode, plain state', () => encode(plainState)],
    ['JSON decode, plain state', plain && (() => json.fromBinary(plain.bytes, plain.manifest))],
    ['JSON encode, Map/Set/Date/BigInt state', rich && (() => encode(richState))],
    ['JSON decode, Map/Set/Date/BigInt state', rich && (() => json.fromBinary(rich.bytes, rich.manifest))],
  ];
}

function time(work: (index: number) => unknown): number {
  let sink: unknown;
  const started = process.hrtime.bigint();
  for (let index = 0; index < ops; index++) sink = work(index);
  if (sink === Symbol.for('never')) console.log(sink);
  return Number(process.hrtime.bigint() - started) / ops;
}

const table = implementations.map(([name, module]) => ({ name, cases: cases(module), samples: new Map<string, number[]>() }));
for (let round = -1; round < rounds; round++) {
  // Alternate which implementation goes first, so neither always inherits the other's garbage.
  for (const implementation of round % 2 === 0 ? table : [...table].reverse()) {
    for (const [label, work] of implementation.cases) {
      if (!work) continue;
      const nanos = time(work);
      if (round < 0) continue; // warm-up
      const samples = implementation.samples.get(label) ?? [];
      samples.push(nanos);
      implementation.samples.set(label, samples);
    }
  }
}

const median = (values: number[] | undefined) => {
  if (!values) return '-';
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[sorted.length >> 1] as number).toFixed(0);
};
console.log(`node ${process.version}, ${rounds} rounds x ${ops} ops, median ns/op`);
console.log(`${''.padEnd(42)} ${table.map((implementation) => implementation.name.padStart(10)).join(' ')}`);
for (const [label] of table[0]?.cases ?? []) {
  console.log(`${label.padEnd(42)} ${table.map((implementation) => median(implementation.samples.get(label)).padStart(10)).join(' ')}`);
}
