/**
 * References to entities: how callers send commands. A reference stays valid across
 * passivation and failures; each message finds (or recovers) the entity anew.
 * @module
 */

/** Sends commands to one entity. */
export interface EntityRef<Command> {
  /** The entity's persistence id. */
  readonly persistenceId: string;
  /** Sends a command and resolves with the reply (undefined when the handler gave none); rejects with the command's error. */
  ask<Reply = unknown>(command: Command): Promise<Reply>;
  /** Sends a command without waiting; failures are logged. Throws PersistenceClosedError after `persistence.close()`. */
  tell(command: Command): void;
}

/** A classic actor's reference: the same as an entity's, for any message. */
export type ActorRef<Message = unknown> = EntityRef<Message>;
