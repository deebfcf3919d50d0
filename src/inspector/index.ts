/**
 * `memento-es/inspector`: the web time-travel inspector over an {@link Inspection}: a JSON
 * API and a bundled page (docs/inspector.md). `memento serve` starts it; from code,
 * `createInspection` builds the inspection over your stores and definitions.
 * @module
 */
export { createInspection, type InspectionOptions, ObservedSerialization } from '../inspect/index.js';
export type * from '../inspect/inspection.js';
export type { JsonView, TaggedValue } from './json-view.js';
export { createInspectorServer, DEFAULT_INSPECTOR_PORT, type InspectorServer, type InspectorServerOptions } from './server.js';
export type { Timeline, TimelineSample } from './timeline.js';
