/**
 * Inspection: what the `memento` command line and the web inspector show over any store
 * set: ids, events, snapshots (damaged ones included), the state at any point, diffs,
 * shadow-replay verification, and NDJSON export and import.
 * @module
 */
export { createInspection, type InspectionOptions } from './create-inspection.js';
export { DefinitionRegistry, definitionNameOf, type EventSourcedFold, isStateDefinition, type KnownDefinition } from './definitions.js';
export type * from './inspection.js';
export { ObservedSerialization, type StoredForm } from './observed-serialization.js';
export { countIds, type ExportOptions, type ExportSummary, exportRecords } from './transfer/export-records.js';
export { type ImportOptions, type ImportSummary, importRecords, PLACEHOLDER_MANIFEST } from './transfer/import-records.js';
export { EXPORT_FORMAT, EXPORT_VERSION, type ExportRecord } from './transfer/records.js';
export { sampleSnapshots } from './verify.js';
