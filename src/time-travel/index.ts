/**
 * Time travel: list a persistence id's events and snapshots, rebuild its state at any
 * sequence number or timestamp, and diff two states. Free of node:* imports, so the web
 * inspector can load it.
 * @module
 */
export { type HistoryEntry, type HistoryEvent, type HistoryOptions, type HistorySnapshot, mergeTimeline } from './history.js';
export { type PointInTime, type TimePoint, validateTimePoint } from './point-in-time.js';
export { diffStates, type StateDifference, summarizeDiff } from './state-diff.js';
export { createTimeTravel, type TimeTravel, type TimeTravelOptions } from './time-travel.js';
