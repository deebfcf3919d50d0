import { MemoryJournal, MemorySnapshotStore } from '../../src/index.js';
import { machineSuite } from './machine-suite.js';

machineSuite('memory', () => ({ journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore() }));
