/**
 * `memento-es/testkit`: test kits for users' own entities and machines, in the spirit of
 * Akka's `EventSourcedBehaviorTestKit`. Run commands (or actions) in memory, assert the events,
 * reply and state, restart to check recovery, and fail when an event or a state would not
 * survive the configured serializer. Framework-agnostic: failures are thrown errors.
 * See docs/testing.md.
 * @module
 */

export {
  type DurableCommandResult,
  DurableStateTestKit,
  type DurableStateTestKitOptions,
  durableStateTestKit,
} from './durable-state-test-kit.js';
export { type CommandResult, EventSourcedTestKit, type EventSourcedTestKitOptions, eventSourcedTestKit } from './event-sourced-test-kit.js';
export { type ActionResult, MachineTestKit, type MachineTestKitOptions, machineTestKit } from './machine-test-kit.js';
export type { TestKitSerialization } from './serialization-check.js';
