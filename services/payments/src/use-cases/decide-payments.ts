import type { PoolClient } from 'pg';
import { writeOutbox } from '@orderflow/runtime';
import type { EventSerde } from '@orderflow/contracts';
import type { Payment, PaymentRepository } from '../db/payment.repository';
import type { Decision } from '../domain/payment';
import { paymentOutcomeEvent } from '../domain/payment-events';

export interface DecideDeps {
  schema: string;
  repo: PaymentRepository;
  serde: EventSerde;
}

export interface PaymentDecision {
  /** Locked by the caller's transaction and still PENDING. */
  payment: Payment;
  decision: Decision;
  gatewayReference?: string | null;
  /** When the gateway decided (epoch millis); defaults to now. */
  decidedAt?: number;
}

/**
 * Records final results and their outcome events in the caller's transaction, so a payment is never
 * decided without its event being published, nor the event published for a decision that rolled back.
 */
export async function decidePayments(
  tx: PoolClient,
  deps: DecideDeps,
  items: PaymentDecision[],
): Promise<void> {
  if (items.length === 0) return;
  await deps.repo.decide(
    tx,
    items.map((item) => ({
      paymentId: item.payment.payment_id,
      decision: item.decision,
      gatewayReference: item.gatewayReference,
    })),
  );
  const now = Date.now();
  const messages = await Promise.all(
    items.map((item) => {
      const event = paymentOutcomeEvent(item.payment, item.decision, {
        gatewayReference: item.gatewayReference ?? item.payment.gateway_reference,
        decidedAt: item.decidedAt ?? now,
        now,
      });
      return deps.serde.message(event.topic, event.value);
    }),
  );
  await writeOutbox(tx, deps.schema, messages);
}
