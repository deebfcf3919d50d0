/**
 * The third-party snapshot store of docs/plugins.md: the block in the doc is this example
 * (so it keeps compiling with `npm run typecheck`), and the guard alone gives it what the
 * conformance kit asks of every store (refusal after close, argument checks).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MapSnapshotStore } from '../../examples/plugins/map-snapshot-store.js';
import { snapshotStoreConformance } from '../../src/tck/index.js';

const EXAMPLE = new URL('../../examples/plugins/map-snapshot-store.ts', import.meta.url);
const DOC = new URL('../../docs/plugins.md', import.meta.url);

describe('docs/plugins.md', () => {
  it('shows examples/plugins/map-snapshot-store.ts as it is, importing from memento-es', () => {
    const example = readFileSync(EXAMPLE, 'utf8').replace("from '../../src/index.js'", "from 'memento-es'");
    const blocks = [...readFileSync(DOC, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
    expect(blocks).toContain(example);
  });
});

snapshotStoreConformance('map (docs/plugins.md)', (context) => new MapSnapshotStore(context));
