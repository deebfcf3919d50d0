/**
 * References to entities: how callers send commands. A reference stays valid across
 * passivation and failures; each message finds (or recovers) the entity anew.
 * @module
 */

declare const replyType: unique symbol;

/**
 * Declares, once on a command type, what `ask` answers it with:
 * `type Get = { type: 'get' } & RepliesWith<number>`. Type-level only: nothing is stored.
 */
export interface RepliesWith<Reply> {
  /** Never present at run time; carries the reply type. */
  readonly [replyType]?: Reply;
}

type DeclaredReply<C> = C extends { readonly [replyType]?: infer Reply } ? Reply : unknown;

/**
 * The reply to `Sent` among the commands `Command`: what the member(s) of `Command` that `Sent`
 * is declared with {@link RepliesWith}; `unknown` for commands that declare nothing.
 */
export type ReplyOf<Command, Sent extends Command = Command> = Command extends unknown
  ? Sent extends Command
    ? DeclaredReply<Command>
    : never
  : never;

/** Sends commands to one entity. */
export interface EntityRef<Command> {
  /** The entity's persistence id. */
  readonly persistenceId: string;
  /**
   * Sends a command and resolves with the reply (undefined when the handler gave none); rejects
   * with the command's error. The reply type is the one the command declares with
   * {@link RepliesWith}, unless the caller states it: `ask<Reply>(command)`.
   */
  ask<Reply = never, Sent extends Command = Command>(command: Sent): Promise<[Reply] extends [never] ? ReplyOf<Command, Sent> : Reply>;
  /** Sends a command without waiting; failures are logged. Throws PersistenceClosedError after `persistence.close()`. */
  tell(command: Command): void;
}

/** A classic actor's reference: the same as an entity's, for any message. */
export type ActorRef<Message = unknown> = EntityRef<Message>;
