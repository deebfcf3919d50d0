import { describe, expect, it } from 'vitest';
import { missedTargetFindings } from '../../bench/report/misses.js';
import type { Row } from '../../bench/scenarios/common.js';

const row = (name: string, met: boolean): Row => ({
  name,
  ours: 2,
  reference: 1,
  referenceName: 'raw',
  unit: 'ms',
  ratio: 2,
  ratioNote: 'ours / raw',
  target: '<= 1.3x',
  met,
});

describe('bench missedTargetFindings', () => {
  it('prints the finding under the missed rows it explains, once per finding', () => {
    const lines = missedTargetFindings([
      row('SQLite load, warm 1 KB json', false),
      row('SQLite load, cold (new store object) 1 KB bytes', false),
      row('fs load, warm 10 MB bytes', false),
    ]);
    expect(lines[0]).toBe('## Where the missed targets lose');
    const findings = lines.filter((line) => line.startsWith('- '));
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatch(/^- SQLite load, warm 1 KB json; SQLite load, cold \(new store object\) 1 KB bytes: .*fromBinary/);
    expect(findings[1]).toMatch(/^- fs load, warm 10 MB bytes: .*zlib\.crc32/);
  });

  it('says nothing of met targets, and prints no section when nothing it explains missed', () => {
    expect(missedTargetFindings([row('SQLite load, warm 1 KB json', true), row('recover 1,000,999 events', false)])).toEqual([]);
  });
});
