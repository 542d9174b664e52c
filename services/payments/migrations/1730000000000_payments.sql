-- Up Migration
-- One payment per order: payment_id is derived from the order id and order_id is unique, so a
-- redelivered or repeated inventory.reserved can never create a second charge.
CREATE TABLE payments (
  payment_id text PRIMARY KEY,
  order_id text NOT NULL UNIQUE,
  status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
  amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
  currency text NOT NULL,
  reason text CHECK (reason IN ('DECLINED', 'GATEWAY_TIMEOUT', 'GATEWAY_ERROR')),
  detail text,
  -- the gateway's charge id, known once the gateway accepted the charge
  gateway_reference text,
  -- envelope of the inventory.reserved that asked for the payment: the outcome event continues its flow
  correlation_id text NOT NULL,
  reserved_event_id text NOT NULL,
  reservation_id text NOT NULL,
  -- charge requests sent to the gateway (including failed ones) and when the next may go out
  submit_attempts integer NOT NULL DEFAULT 0,
  -- the timeout runs from the first charge request, so a backlog on our side does not count against the gateway
  first_attempt_at timestamptz,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  submitted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  -- what a callback arriving after the decision said (the last such callback); it never changes status
  late_outcome text CHECK (late_outcome IN ('SUCCEEDED', 'DECLINED')),
  late_outcome_at timestamptz,
  CHECK ((status = 'PENDING') = (decided_at IS NULL)),
  CHECK ((status = 'FAILED') = (reason IS NOT NULL))
);
-- what the submit worker scans: pending and not yet accepted by the gateway
CREATE INDEX payments_to_submit_idx ON payments (next_attempt_at) WHERE status = 'PENDING' AND submitted_at IS NULL;
-- what the timeout worker scans
CREATE INDEX payments_pending_idx ON payments (first_attempt_at) WHERE status = 'PENDING';

-- Every authenticated gateway callback, once: the primary key makes a replayed delivery a no-op.
CREATE TABLE webhook_deliveries (
  delivery_id text PRIMARY KEY,
  payment_id text NOT NULL REFERENCES payments (payment_id),
  outcome text NOT NULL CHECK (outcome IN ('SUCCEEDED', 'DECLINED')),
  -- APPLIED: decided the payment; LATE: arrived after the decision, recorded only
  effect text NOT NULL CHECK (effect IN ('APPLIED', 'LATE')),
  signed_at timestamptz NOT NULL,
  payload jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_payment_idx ON webhook_deliveries (payment_id);

-- Down Migration
DROP TABLE webhook_deliveries;
DROP TABLE payments;
