import type { FailureReason, PaymentFailureReason, RejectedLine, RejectReason } from '@orderflow/contracts';

/**
 * PENDING: facts about the order arrived before its orders.placed (they may, across topics); nothing can
 * be decided until the order itself is known. The other states are the PLACED -> RESERVED -> PAID,
 * or FAILED.
 */
export const ORDER_STATUSES = ['PENDING', 'PLACED', 'RESERVED', 'PAID', 'FAILED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type FinalStatus = 'PAID' | 'FAILED';

export function isFinal(status: OrderStatus): status is FinalStatus {
  return status === 'PAID' || status === 'FAILED';
}

interface FactBase {
  eventId: string;
  /** When the producer says the event happened (epoch millis). */
  occurredAt: number;
}

/** What one consumed event says about an order, reduced to what the state depends on. */
export type OrderFact =
  | (FactBase & { kind: 'placed'; contentHash: string })
  | (FactBase & { kind: 'reserved'; reservationId: string })
  | (FactBase & { kind: 'rejected'; reason: RejectReason; lines: RejectedLine[] })
  | (FactBase & { kind: 'payment-succeeded'; paymentId: string })
  | (FactBase & {
      kind: 'payment-failed';
      paymentId: string;
      reason: PaymentFailureReason;
      detail: string | null;
    });

export type FactKind = OrderFact['kind'];
type FactOf<K extends FactKind> = Extract<OrderFact, { kind: K }>;
type InventoryFact = FactOf<'reserved' | 'rejected'>;
type PaymentFact = FactOf<'payment-succeeded' | 'payment-failed'>;

/**
 * How a fact was taken: `applied` counts towards the state, `waiting` is a payment outcome held until the
 * inventory result is known, `duplicate` repeats what an earlier fact said, `conflict` contradicts it and
 * is refused.
 */
export type FactOutcome = 'applied' | 'waiting' | 'duplicate' | 'conflict';

export type ConflictKind =
  /** The same order id re-imported with different content; the first version is kept. */
  | 'CONTENT_MISMATCH'
  /** A second inventory result that disagrees with the first. */
  | 'CONTRADICTORY_INVENTORY_RESULT'
  /** A second payment outcome (or another payment) for an order that already has one. */
  | 'CONTRADICTORY_PAYMENT_RESULT'
  /** A payment outcome for an order whose stock was rejected. */
  | 'PAYMENT_AFTER_REJECTION';

export interface FactDisposition {
  eventId: string;
  outcome: FactOutcome;
  conflict?: ConflictKind;
  note?: string;
}

export interface OrderState {
  status: OrderStatus;
  /** Set when FAILED. */
  reason: FailureReason | null;
  reasonDetail: string | null;
  /** The successful payment, when PAID. */
  paymentId: string | null;
  /** Event id of the fact that decided the outcome (payment or inventory result), once PAID or FAILED. */
  decidedBy: string | null;
  /** Event id of the orders.placed that the order is built from (the first one). */
  placedBy: string | null;
  /** One per input fact, in input order. */
  dispositions: FactDisposition[];
}

const PAYMENT_FAILURE_REASONS: Record<PaymentFailureReason, FailureReason> = {
  DECLINED: 'PAYMENT_DECLINED',
  GATEWAY_TIMEOUT: 'PAYMENT_TIMEOUT',
  GATEWAY_ERROR: 'PAYMENT_ERROR',
};

const PAYMENT_FAILURE_TEXT: Record<PaymentFailureReason, string> = {
  DECLINED: 'payment declined',
  GATEWAY_TIMEOUT: 'no answer from the payment gateway in time',
  GATEWAY_ERROR: 'payment gateway error',
};

export function failureReasonOfPayment(reason: PaymentFailureReason): FailureReason {
  return PAYMENT_FAILURE_REASONS[reason];
}

/** `SKU-1: requested 3, available 1; SKU-9: unknown SKU` */
export function rejectionDetail(lines: readonly RejectedLine[]): string {
  return lines
    .map((line) =>
      line.reason === 'UNKNOWN_SKU'
        ? `${line.sku}: unknown SKU`
        : `${line.sku}: requested ${line.requested}, available ${line.available}`,
    )
    .join('; ');
}

function paymentFailureDetail(fact: FactOf<'payment-failed'>): string {
  return fact.detail ?? PAYMENT_FAILURE_TEXT[fact.reason];
}

function isInventoryFact(fact: OrderFact): fact is InventoryFact {
  return fact.kind === 'reserved' || fact.kind === 'rejected';
}

function isPaymentFact(fact: OrderFact): fact is PaymentFact {
  return fact.kind === 'payment-succeeded' || fact.kind === 'payment-failed';
}

/** The first fact of each kind of question the order asks: what was ordered, is stock held, is it paid. */
interface Firsts {
  placed: FactOf<'placed'> | undefined;
  inventory: InventoryFact | undefined;
  payment: PaymentFact | undefined;
}

function dispositionOf(fact: OrderFact, firsts: Firsts): FactDisposition {
  const { eventId } = fact;
  const conflict = (kind: ConflictKind, note: string): FactDisposition => ({
    eventId,
    outcome: 'conflict',
    conflict: kind,
    note,
  });
  if (fact.kind === 'placed') {
    const first = firsts.placed!;
    if (fact === first) return { eventId, outcome: 'applied' };
    if (fact.contentHash === first.contentHash) {
      return { eventId, outcome: 'duplicate', note: `same content as orders.placed ${first.eventId}` };
    }
    return conflict(
      'CONTENT_MISMATCH',
      `content_hash ${fact.contentHash} differs from the first version's ${first.contentHash}; the first version is kept`,
    );
  }
  if (isInventoryFact(fact)) {
    const first = firsts.inventory!;
    if (fact === first) {
      return fact.kind === 'rejected'
        ? { eventId, outcome: 'applied', note: `${fact.reason}: ${rejectionDetail(fact.lines)}` }
        : { eventId, outcome: 'applied' };
    }
    if (fact.kind === first.kind) {
      return { eventId, outcome: 'duplicate', note: `inventory result already recorded by ${first.eventId}` };
    }
    return conflict(
      'CONTRADICTORY_INVENTORY_RESULT',
      `contradicts the inventory result of ${first.eventId} (${first.kind}); refused`,
    );
  }
  const inventory = firsts.inventory;
  if (inventory?.kind === 'rejected') {
    return conflict(
      'PAYMENT_AFTER_REJECTION',
      `payment outcome for an order whose stock was rejected by ${inventory.eventId}; refused`,
    );
  }
  const first = firsts.payment!;
  if (fact !== first) {
    if (fact.kind === first.kind && fact.paymentId === first.paymentId) {
      return { eventId, outcome: 'duplicate', note: `payment outcome already recorded by ${first.eventId}` };
    }
    return conflict(
      'CONTRADICTORY_PAYMENT_RESULT',
      `contradicts the payment outcome of ${first.eventId} (${first.kind}, payment ${first.paymentId}); refused`,
    );
  }
  if (!inventory) return { eventId, outcome: 'waiting', note: 'waiting for the inventory result' };
  return fact.kind === 'payment-failed'
    ? { eventId, outcome: 'applied', note: `${fact.reason}: ${paymentFailureDetail(fact)}` }
    : { eventId, outcome: 'applied' };
}

type Outcome = Pick<OrderState, 'status' | 'reason' | 'reasonDetail' | 'paymentId' | 'decidedBy'>;

function decide(inventory: InventoryFact | undefined, payment: PaymentFact | undefined): Outcome {
  const open = { reason: null, reasonDetail: null, paymentId: null, decidedBy: null };
  if (!inventory) return { status: 'PLACED', ...open };
  if (inventory.kind === 'rejected') {
    return {
      status: 'FAILED',
      reason: inventory.reason,
      reasonDetail: rejectionDetail(inventory.lines),
      paymentId: null,
      decidedBy: inventory.eventId,
    };
  }
  if (!payment) return { status: 'RESERVED', ...open };
  if (payment.kind === 'payment-succeeded') {
    return {
      status: 'PAID',
      reason: null,
      reasonDetail: null,
      paymentId: payment.paymentId,
      decidedBy: payment.eventId,
    };
  }
  return {
    status: 'FAILED',
    reason: failureReasonOfPayment(payment.reason),
    reasonDetail: paymentFailureDetail(payment),
    paymentId: null,
    decidedBy: payment.eventId,
  };
}

/**
 * The state of an order from the facts recorded about it, given in the order they were received.
 *
 * Facts of one order arrive in any order across topics, so the state never depends on which topic came
 * first: each question the order asks (what was ordered, was stock reserved, was it paid) is answered by
 * the first fact that answers it, and later facts answering it again are duplicates or refused conflicts.
 * A payment outcome counts only once the inventory result is in (payments acts on reservations, so a
 * payment arriving first is early, not final), and nothing is decided before orders.placed is seen.
 *
 * Because the first answers never change, an order that is PAID or FAILED stays so whatever arrives
 * later: a final order never changes.
 */
export function deriveOrderState(facts: readonly OrderFact[]): OrderState {
  const firsts: Firsts = {
    placed: facts.find((fact): fact is FactOf<'placed'> => fact.kind === 'placed'),
    inventory: facts.find(isInventoryFact),
    payment: facts.find(isPaymentFact),
  };
  const dispositions = facts.map((fact) => dispositionOf(fact, firsts));
  if (!firsts.placed) {
    return {
      status: 'PENDING',
      reason: null,
      reasonDetail: null,
      paymentId: null,
      decidedBy: null,
      placedBy: null,
      dispositions,
    };
  }
  return { ...decide(firsts.inventory, firsts.payment), placedBy: firsts.placed.eventId, dispositions };
}
