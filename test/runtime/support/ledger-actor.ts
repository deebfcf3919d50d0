/** A classic actor for the suite: a ledger of amounts, recording what the runtime tells it. */
import { type ActorResultMessage, PersistentActor, type RecoveryMessage, type SnapshotOffer } from '../../../src/index.js';

export interface LedgerState {
  readonly total: number;
  readonly entries: readonly number[];
}

export type LedgerCommand =
  | { readonly type: 'add'; readonly amount: number }
  | { readonly type: 'addAll'; readonly amounts: readonly number[] }
  | { readonly type: 'get' }
  | { readonly type: 'snap'; readonly metadata?: unknown }
  | { readonly type: 'deleteSnapshot'; readonly sequenceNr: number }
  | { readonly type: 'deleteSnapshotsUpTo'; readonly maxSequenceNr: number }
  | { readonly type: 'deleteMessages'; readonly toSequenceNr: number }
  | { readonly type: 'load'; readonly persistenceId: string }
  | { readonly type: 'explode' }
  | { readonly type: 'whoami' };

export interface LedgerEvent {
  readonly type: 'added';
  readonly amount: number;
}

/** What the actor saw, kept outside the instance so it survives restarts. */
export interface LedgerLog {
  readonly recovery: unknown[];
  readonly results: ActorResultMessage[];
  readonly handlerSequenceNrs: number[];
  readonly recoveryRunningDuringReplay: boolean[];
  readonly persistFailures: Error[];
}

export const ledgerLog = (): LedgerLog => ({
  recovery: [],
  results: [],
  handlerSequenceNrs: [],
  recoveryRunningDuringReplay: [],
  persistFailures: [],
});

const isOffer = (message: unknown): message is SnapshotOffer<LedgerState> => (message as { type?: unknown }).type === 'SnapshotOffer';

export class LedgerActor extends PersistentActor<LedgerCommand, LedgerEvent, LedgerState> {
  state: LedgerState = { total: 0, entries: [] };

  constructor(
    readonly persistenceId: string,
    readonly log$: LedgerLog = ledgerLog(),
  ) {
    super();
  }

  #apply(event: LedgerEvent): void {
    this.state = { total: this.state.total + event.amount, entries: [...this.state.entries, event.amount] };
  }

  receiveRecover(message: RecoveryMessage<LedgerEvent, LedgerState>): void {
    this.log$.recovery.push(message);
    if (isOffer(message)) this.state = message.snapshot;
    else if (message.type === 'added') {
      this.log$.recoveryRunningDuringReplay.push(this.recoveryRunning);
      this.#apply(message);
    }
  }

  override onPersistFailure(cause: Error): void {
    this.log$.persistFailures.push(cause);
  }

  async receiveCommand(message: LedgerCommand | ActorResultMessage): Promise<void> {
    switch (message.type) {
      case 'add':
        this.persist({ type: 'added', amount: message.amount }, (event) => {
          this.#apply(event);
          this.log$.handlerSequenceNrs.push(this.lastSequenceNr);
          this.reply(this.state.total);
        });
        return;
      case 'addAll':
        this.persistAll(
          message.amounts.map((amount) => ({ type: 'added' as const, amount })),
          (event) => {
            this.#apply(event);
            this.log$.handlerSequenceNrs.push(this.lastSequenceNr);
          },
        );
        return;
      case 'get':
        this.reply(this.state);
        return;
      case 'snap':
        this.reply(await this.saveSnapshot(this.state, message.metadata));
        return;
      case 'deleteSnapshot':
        this.reply(await this.deleteSnapshot(message.sequenceNr));
        return;
      case 'deleteSnapshotsUpTo':
        this.reply(await this.deleteSnapshots({ maxSequenceNr: message.maxSequenceNr }));
        return;
      case 'deleteMessages':
        this.reply(await this.deleteMessages(message.toSequenceNr));
        return;
      case 'load':
        this.reply(await this.loadSnapshot(message.persistenceId, { maxSequenceNr: Number.POSITIVE_INFINITY }, Number.POSITIVE_INFINITY));
        return;
      case 'explode':
        this.state = { total: -1, entries: [] };
        throw new Error('exploded');
      case 'whoami':
        this.reply({ snapshotterId: this.snapshotterId, snapshotSequenceNr: this.snapshotSequenceNr, lastSequenceNr: this.lastSequenceNr });
        return;
      default:
        this.log$.results.push(message);
    }
  }
}

/** A factory for `persistence.actorOf`: every incarnation gets the same id and log. */
export const ledger =
  (persistenceId: string, log: LedgerLog = ledgerLog()) =>
  () =>
    new LedgerActor(persistenceId, log);
