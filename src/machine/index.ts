/**
 * Machines in the style of the mintBlue SDK: a state definition, a Reader streaming
 * actions from a source, a Writer appending to it, and a Recorder told after every
 * dispatch. Built in: readers and writers over any Journal, MemoryRecorder, StoreRecorder.
 * @module
 */
export { type Action, type ActionDraft, actionDraft, validateAction, validateActionType } from './action.js';
export { type ActionSource, IterableReader } from './iterable-reader.js';
export { type ActionEvent, sequenceNrOfActionId, toAction, toActionEvent } from './journal-action-codec.js';
export { isJournalSource, JournalReader, type JournalReaderOptions, type JournalSource } from './journal-reader.js';
export { JournalWriter, type JournalWriterOptions } from './journal-writer.js';
export { Machine, type MachineAction, type MachineEventMap, type MachineOptions, type MachineStatus } from './machine.js';
export type { Unsubscribe } from './machine-events.js';
export { machineTimeTravel } from './machine-history.js';
export { MEMORY_RECORDER_DEFAULT_LIMIT, MemoryRecorder, type MemoryRecorderOptions } from './memory-recorder.js';
export type { Reader, ReadOptions } from './reader.js';
export type { MachineRecoveryReport, Recorder, Snapshot } from './recorder.js';
export {
  type ActionHandler,
  type ActionHandlers,
  defineState,
  type PayloadOf,
  type Produce,
  type Reduction,
  reduce,
  type StateDefinition,
  type StateDefinitionInit,
} from './state-definition.js';
export { defaultSequenceNrOf, StoreRecorder, type StoreRecorderOptions } from './store-recorder.js';
export type { Writer, WrittenAction } from './writer.js';
