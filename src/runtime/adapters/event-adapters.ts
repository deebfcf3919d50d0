/**
 * The event adapters of one entity type, checked once: which adapter writes an event,
 * which reads a manifest. The runtime's single place where events cross between their
 * domain and stored forms, on persist (both front ends) and on recovery.
 * @module
 */
import { describeValue, InvalidArgumentError, RecoveryError } from '../../core/errors.js';
import type { PersistentRepr } from '../../core/persistent-repr.js';
import { invalidArgument, validateFunction, validateTags } from '../../core/validation.js';
import { messageOf } from '../recovery/snapshot-selection.js';
import { type EventAdapterBinding, isTagged, NO_MANIFEST } from './event-adapter.js';

/** An event in the form the journal stores it. */
export interface JournalForm {
  readonly event: unknown;
  readonly manifest?: string;
  readonly tags?: readonly string[];
}

/** Validated adapter bindings of one entity type. */
export class EventAdapters {
  /** No adapters: events are stored and replayed as they are. */
  static readonly none = new EventAdapters([]);

  readonly #bindings: readonly EventAdapterBinding[];
  readonly #byManifest = new Map<string, EventAdapterBinding>();

  private constructor(bindings: readonly EventAdapterBinding[]) {
    this.#bindings = bindings;
    for (const binding of bindings) for (const manifest of binding.manifests) this.#byManifest.set(manifest, binding);
  }

  /** Checks bindings as users write them (`argument` names them in errors). */
  static from(bindings: unknown, argument: string): EventAdapters {
    if (bindings === undefined) return EventAdapters.none;
    if (!Array.isArray(bindings)) invalidArgument(argument, 'an array of { adapter, appliesTo?, manifests }', bindings);
    const seen = new Map<string, number>();
    bindings.forEach((binding: unknown, index) => {
      const at = `${argument}[${index}]`;
      if (typeof binding !== 'object' || binding === null) invalidArgument(at, 'an { adapter, appliesTo?, manifests } object', binding);
      const { adapter, appliesTo, manifests } = binding as Partial<EventAdapterBinding>;
      if (typeof adapter !== 'object' || adapter === null) invalidArgument(`${at}.adapter`, 'an EventAdapter object', adapter);
      for (const method of ['manifest', 'toJournal', 'fromJournal'] as const) validateFunction(adapter[method], `${at}.adapter.${method}`);
      if (appliesTo !== undefined) validateFunction(appliesTo, `${at}.appliesTo`);
      if (!Array.isArray(manifests) || manifests.length === 0)
        invalidArgument(`${at}.manifests`, 'a non-empty array of strings', manifests);
      manifests.forEach((manifest: unknown, position) => {
        if (typeof manifest !== 'string') invalidArgument(`${at}.manifests[${position}]`, 'a string', manifest);
        const other = seen.get(manifest);
        if (other !== undefined) {
          invalidArgument(`${at}.manifests[${position}]`, `a manifest no other binding reads (${argument}[${other}] reads it)`, manifest);
        }
        seen.set(manifest, index);
      });
    });
    return new EventAdapters([...(bindings as EventAdapterBinding[])]);
  }

  /** True when no adapter is bound. */
  get empty(): boolean {
    return this.#bindings.length === 0;
  }

  /** The stored form of `event`: as it is unless a binding applies to it. Throws InvalidArgumentError for a bad adapter result. */
  toJournal(event: unknown, persistenceId: string): JournalForm {
    const binding = this.#bindings.find((candidate) => candidate.appliesTo?.(event) === true);
    if (!binding) return { event };
    const manifest = binding.adapter.manifest(event);
    const context = { persistenceId };
    if (typeof manifest !== 'string' || manifest === NO_MANIFEST || !binding.manifests.includes(manifest)) {
      throw new InvalidArgumentError(
        'adapter.manifest(event)',
        `event adapter of ${JSON.stringify(persistenceId)}: manifest ${describeValue(manifest)} is not among the manifests its binding reads (${binding.manifests.map((m) => JSON.stringify(m)).join(', ')}), so the event could never be replayed`,
        { persistenceId, expected: binding.manifests, actual: manifest },
      );
    }
    const stored = binding.adapter.toJournal(event);
    if (!isTagged(stored)) return { event: stored, manifest };
    const tags = validateTags(stored.tags, 'Tagged(event, tags).tags', context);
    return tags && tags.length > 0 ? { event: stored.payload, manifest, tags } : { event: stored.payload, manifest };
  }

  /** The domain events of a stored event; RecoveryError when no adapter reads its manifest or the adapter fails. */
  fromJournal(repr: PersistentRepr): readonly unknown[] {
    const manifest = repr.manifest ?? NO_MANIFEST;
    const binding = this.#byManifest.get(manifest);
    if (!binding) {
      if (repr.manifest === undefined) return [repr.event];
      throw this.#unreadable(repr, 'no event adapter reads this manifest', 'an adapter binding whose manifests include it');
    }
    let seq: unknown;
    try {
      seq = binding.adapter.fromJournal(repr.event, manifest);
    } catch (cause) {
      throw this.#unreadable(repr, `its event adapter threw: ${messageOf(cause)}`, 'an adapter that reads it', cause);
    }
    const events = (seq as { events?: unknown } | null)?.events;
    if (!Array.isArray(events)) {
      throw this.#unreadable(
        repr,
        `its event adapter returned ${describeValue(seq)}`,
        'EventSeq.empty, EventSeq.single(e) or EventSeq.many(es)',
      );
    }
    return events;
  }

  #unreadable(repr: PersistentRepr, why: string, expected: unknown, cause?: unknown): RecoveryError {
    const shown = repr.manifest === undefined ? 'without a manifest' : `with manifest ${JSON.stringify(repr.manifest)}`;
    return new RecoveryError(
      `cannot recover ${JSON.stringify(repr.persistenceId)}: event ${repr.sequenceNr} is stored ${shown}, and ${why}`,
      {
        persistenceId: repr.persistenceId,
        expected,
        actual: repr.manifest,
        cause,
      },
    );
  }
}
