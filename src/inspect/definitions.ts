/**
 * The user's definitions as tools see them: entity, durable entity and machine state
 * definitions by name, and for each the fold that rebuilds its state from stored events.
 * The name in a persistence id picks the definition: `counter|42` is rebuilt by the
 * definition named `counter`, a machine's `forest` by the one named `forest`.
 * @module
 */
import { describeValue, InvalidArgumentError } from '../core/errors.js';
import type { PersistentRepr } from '../core/persistent-repr.js';
import { toAction } from '../machine/journal-action-codec.js';
import type { Snapshot } from '../machine/recorder.js';
import { type ActionHandlers, reduce, type StateDefinition } from '../machine/state-definition.js';
import { parseEntityPersistenceId } from '../runtime/cell/entity-persistence-id.js';
import { type DurableEntityDefinition, isDurableEntityDefinition } from '../runtime/durable/durable-entity-definition.js';
import { DEFAULT_SNAPSHOT_VERSION, SnapshotCodec } from '../runtime/recovery/snapshot-versioning.js';
import { type EntityDefinition, isEntityDefinition } from '../runtime/typed/entity-definition.js';
import type { StateDefinitionSummary } from './inspection.js';

/** An event-sourced definition (entity or machine): how to rebuild its state from events and snapshots. */
export interface EventSourcedFold {
  readonly name: string;
  readonly kind: 'entity' | 'machine';
  readonly initialState: unknown;
  /** Folds one stored event (upcast by the entity's event adapters) into the state. */
  apply(state: unknown, repr: PersistentRepr): unknown;
  /** Turns stored snapshots into states, honouring snapshot versions and adapters. */
  readonly codec: SnapshotCodec<unknown>;
}

/** A known definition. */
export type KnownDefinition = (
  | { readonly kind: 'entity' | 'machine'; readonly name: string; readonly fold: EventSourcedFold }
  | { readonly kind: 'durable'; readonly name: string; readonly definition: DurableEntityDefinition<unknown, unknown> }
) & {
  /** The exported value it came from. */
  readonly source: unknown;
};

type AnyStateDefinition = StateDefinition<unknown, ActionHandlers<unknown>>;

/** True for what `defineState` returns (it carries no marker, so by shape). */
export function isStateDefinition(value: unknown): value is AnyStateDefinition {
  const candidate = value as Partial<AnyStateDefinition> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    candidate.initialState !== undefined &&
    typeof candidate.actions === 'object' &&
    candidate.actions !== null &&
    Array.isArray(candidate.actionTypes)
  );
}

/** Recorder snapshots are `{ action, state }`; the state is what time travel compares. */
const recorderSnapshots = {
  toSnapshot: (state: unknown) => state,
  fromSnapshot(stored: unknown): unknown {
    const snapshot = stored as Partial<Snapshot<unknown>> | null;
    if (typeof snapshot !== 'object' || snapshot === null || !('state' in snapshot) || !('action' in snapshot)) {
      throw new InvalidArgumentError('snapshot', `expected a recorder snapshot { action, state }, found ${describeValue(stored)}`, {
        expected: '{ action, state }',
        actual: describeValue(stored),
      });
    }
    return snapshot.state;
  },
};

function entityFold(definition: EntityDefinition<unknown, unknown, unknown>): EventSourcedFold {
  return {
    name: definition.name,
    kind: 'entity',
    initialState: definition.emptyState,
    apply(state, repr) {
      let next = state;
      for (const event of definition.eventAdapterSet.fromJournal(repr)) next = definition.eventHandler(next, event);
      return next;
    },
    codec: definition.codec,
  };
}

function machineFold(definition: AnyStateDefinition): EventSourcedFold {
  return {
    name: definition.name,
    kind: 'machine',
    initialState: definition.initialState,
    // The reducer the live machine uses: unknown action types are skipped the same way.
    apply: (state, repr) => reduce(definition, state, toAction(repr)).state,
    codec: new SnapshotCodec<unknown>(DEFAULT_SNAPSHOT_VERSION, recorderSnapshots),
  };
}

/** The definition of one exported value, or undefined when it is not a definition. */
function asDefinition(value: unknown): KnownDefinition | undefined {
  if (isEntityDefinition(value)) return { kind: 'entity', name: value.name, fold: entityFold(value), source: value };
  if (isDurableEntityDefinition(value)) return { kind: 'durable', name: value.name, definition: value, source: value };
  if (isStateDefinition(value)) return { kind: 'machine', name: value.name, fold: machineFold(value), source: value };
  return undefined;
}

/** Definitions by name, and the rule that picks one for a persistence id. */
export class DefinitionRegistry {
  readonly #byName = new Map<string, KnownDefinition>();

  /** Collects definitions from module exports: each export, and the values of a default export object or array. */
  static fromExports(exports: Record<string, unknown>, source = 'the definitions module'): DefinitionRegistry {
    const registry = new DefinitionRegistry();
    const candidates: unknown[] = [];
    for (const [key, value] of Object.entries(exports)) {
      candidates.push(value);
      if (key === 'default' && typeof value === 'object' && value !== null && !asDefinition(value)) {
        candidates.push(...(Array.isArray(value) ? value : Object.values(value)));
      }
    }
    for (const candidate of candidates) {
      const definition = asDefinition(candidate);
      if (definition) registry.add(definition, source);
    }
    return registry;
  }

  /** A registry of the given definitions (values of `defineEntity`, `defineDurableEntity`, `defineState`). */
  static of(definitions: readonly unknown[]): DefinitionRegistry {
    const registry = new DefinitionRegistry();
    definitions.forEach((value, index) => {
      const definition = asDefinition(value);
      if (!definition) {
        throw new InvalidArgumentError(
          `definitions[${index}]`,
          `definitions[${index}]: expected a definition from defineEntity, defineDurableEntity or defineState, found ${describeValue(value)}`,
          { expected: 'a definition', actual: value },
        );
      }
      registry.add(definition, 'definitions');
    });
    return registry;
  }

  private add(definition: KnownDefinition, source: string): void {
    const existing = this.#byName.get(definition.name);
    // The same definition exported twice (named and default) is one definition.
    if (existing && existing.source !== definition.source) {
      throw new InvalidArgumentError(
        'definitions',
        `${source}: two definitions are named ${JSON.stringify(definition.name)} (${existing.kind} and ${definition.kind}); names pick the definition for a persistence id, so they must be unique`,
        { expected: 'unique names', actual: definition.name },
      );
    }
    if (!existing) this.#byName.set(definition.name, definition);
  }

  /** Names and kinds, sorted by name. */
  summaries(): StateDefinitionSummary[] {
    return [...this.#byName.values()].map(({ name, kind }) => ({ name, kind })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** How many definitions are known. */
  get size(): number {
    return this.#byName.size;
  }

  /**
   * The definition for a persistence id: `override` when given, else the entity name before
   * the first `|`, else the whole id (a machine's journal id). Throws saying what to pass.
   */
  forPersistenceId(persistenceId: string, override?: string): KnownDefinition {
    const name = override ?? definitionNameOf(persistenceId);
    const found = this.#byName.get(name);
    if (found) return found;
    const known = this.summaries().map((summary) => JSON.stringify(summary.name));
    const message =
      known.length === 0
        ? `rebuilding the state of ${JSON.stringify(persistenceId)} needs its definition: pass --definitions <module> exporting the definition named ${JSON.stringify(name)} (defineEntity, defineDurableEntity or defineState)`
        : `no definition named ${JSON.stringify(name)} for ${JSON.stringify(persistenceId)}: the definitions module exports ${known.join(', ')}${override === undefined ? ' (the name before the first "|" of the id picks it; pass --definition <name> to choose another)' : ''}`;
    throw new InvalidArgumentError('definition', message, { persistenceId, expected: name, actual: known });
  }
}

/** The definition name a persistence id asks for: the entity name before `|`, or the whole id. */
export function definitionNameOf(persistenceId: string): string {
  return parseEntityPersistenceId(persistenceId)?.name ?? persistenceId;
}
