/** A classic actor with at-least-once delivery for the delivery tests: persists what it sends and what was confirmed. */
import {
  type ActorResultMessage,
  AtLeastOnceDeliveryActor,
  type AtLeastOnceDeliveryOptions,
  type AtLeastOnceDeliverySnapshot,
  type DeliveryDestination,
  type RecoveryMessage,
  type UnconfirmedWarning,
} from '../../../src/index.js';

export type SenderCommand =
  | { readonly type: 'send'; readonly payload: string; readonly to?: string }
  | { readonly type: 'confirm'; readonly deliveryId: number }
  | { readonly type: 'deliverNow'; readonly payload: string }
  | { readonly type: 'snapshot' }
  | { readonly type: 'status' }
  | { readonly type: 'stop' };

export type SenderEvent =
  | { readonly type: 'sent'; readonly payload: string; readonly to: string }
  | { readonly type: 'confirmed'; readonly deliveryId: number };

export interface SenderSnapshot {
  readonly delivery: AtLeastOnceDeliverySnapshot<Delivered>;
}

/** What the destination receives. */
export interface Delivered {
  readonly deliveryId: number;
  readonly payload: string;
}

/** What the sender saw, kept outside the instance so it survives restarts. */
export interface SenderLog {
  readonly warnings: UnconfirmedWarning[];
  readonly confirmations: boolean[];
}

export const senderLog = (): SenderLog => ({ warnings: [], confirmations: [] });

export class SenderActor extends AtLeastOnceDeliveryActor<SenderCommand, SenderEvent, SenderSnapshot> {
  override readonly atLeastOnceDelivery: AtLeastOnceDeliveryOptions | undefined;

  constructor(
    readonly persistenceId: string,
    private readonly destinations: Readonly<Record<string, DeliveryDestination>>,
    options: AtLeastOnceDeliveryOptions | undefined,
    private readonly log$: SenderLog = senderLog(),
  ) {
    super();
    this.atLeastOnceDelivery = options;
  }

  resolveDestination(destination: string): DeliveryDestination {
    const found = this.destinations[destination];
    if (!found) throw new Error(`no destination ${destination}`);
    return found;
  }

  #apply(event: SenderEvent): unknown {
    if (event.type === 'sent') return this.deliver(event.to, (deliveryId): Delivered => ({ deliveryId, payload: event.payload }));
    const confirmed = this.confirmDelivery(event.deliveryId);
    this.log$.confirmations.push(confirmed);
    return confirmed;
  }

  receiveRecover(message: RecoveryMessage<SenderEvent, SenderSnapshot>): void {
    if (message.type === 'SnapshotOffer') this.setDeliverySnapshot(message.snapshot.delivery);
    else if (message.type !== 'RecoveryCompleted') this.#apply(message);
  }

  async receiveCommand(message: SenderCommand | ActorResultMessage): Promise<void> {
    switch (message.type) {
      case 'send':
        this.persist({ type: 'sent', payload: message.payload, to: message.to ?? 'receiver' }, (event) => this.reply(this.#apply(event)));
        return;
      case 'confirm':
        this.persist({ type: 'confirmed', deliveryId: message.deliveryId }, (event) => this.reply(this.#apply(event)));
        return;
      case 'deliverNow':
        try {
          this.reply(this.deliver('receiver', (deliveryId) => ({ deliveryId, payload: message.payload })));
        } catch (error) {
          this.reply(error);
        }
        return;
      case 'snapshot':
        this.reply(await this.saveSnapshot({ delivery: this.getDeliverySnapshot() as AtLeastOnceDeliverySnapshot<Delivered> }));
        return;
      case 'status':
        this.reply({ unconfirmed: this.numberOfUnconfirmed, snapshot: this.getDeliverySnapshot() });
        return;
      case 'stop':
        this.stop();
        return;
      case 'UnconfirmedWarning':
        this.log$.warnings.push(message);
        return;
      default:
        return;
    }
  }
}
