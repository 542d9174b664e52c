-- Up Migration
-- What refunds knows about each order, projected from orders.finished. A row with a NULL status is a
-- placeholder: a refund request arrived before the order's outcome. Every decision about an order's refunds
-- locks its row first (SELECT ... FOR UPDATE), so requests and the outcome of one order are decided one at
-- a time even though they come from different topics.
CREATE TABLE orders (
  order_id text PRIMARY KEY,
  status text CHECK (status IN ('PAID', 'FAILED')),
  total_cents bigint CHECK (total_cents >= 0),
  -- what can ever be refunded: the total of a PAID order, 0 otherwise
  paid_cents bigint NOT NULL DEFAULT 0,
  refunded_cents bigint NOT NULL DEFAULT 0,
  currency text,
  customer_id text,
  customer_email text,
  customer_name text,
  placed_at timestamptz,
  finished_at timestamptz,
  finished_event_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- the invariant itself, so even a bug cannot refund more than was paid
  CHECK (refunded_cents >= 0 AND refunded_cents <= paid_cents),
  CHECK (status = 'PAID' OR paid_cents = 0),
  CHECK ((status IS NULL) = (finished_event_id IS NULL))
);

-- One row per idempotency key (refund_id is derived from it): a replayed request finds its refund here.
CREATE TABLE refunds (
  refund_id text PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  -- hash of (order_id, amount, reason): the same key with another request is refused
  request_fingerprint text NOT NULL,
  order_id text NOT NULL,
  -- NULL: everything that remains refundable when the request is decided
  requested_amount_cents bigint CHECK (requested_amount_cents > 0),
  reason text NOT NULL,
  status text NOT NULL DEFAULT 'REQUESTED' CHECK (status IN ('REQUESTED', 'WAITING', 'REFUNDED', 'REJECTED')),
  -- the amount refunded (REFUNDED only)
  amount_cents bigint CHECK (amount_cents > 0),
  currency text,
  rejection_reason text CHECK (
    rejection_reason IN ('ORDER_NOT_PAID', 'ORDER_UNKNOWN', 'AMOUNT_EXCEEDS_REMAINING', 'NOTHING_LEFT_TO_REFUND')
  ),
  rejection_detail text,
  -- the order's refunded total and what was left refundable right after this decision
  refunded_total_cents bigint,
  remaining_refundable_cents bigint,
  -- envelope of the refunds.requested event, continued by the outcome event
  correlation_id text NOT NULL,
  requested_event_id text NOT NULL,
  outcome_event_id text,
  requested_at timestamptz NOT NULL,
  -- set when the worker found no outcome for the order; waiting_seq keeps the order requests arrived in
  waiting_since timestamptz,
  waiting_seq bigint,
  decided_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'REFUNDED') = (amount_cents IS NOT NULL)),
  CHECK ((status = 'REJECTED') = (rejection_reason IS NOT NULL)),
  CHECK ((status IN ('REFUNDED', 'REJECTED')) = (decided_at IS NOT NULL)),
  CHECK (status <> 'WAITING' OR (waiting_since IS NOT NULL AND waiting_seq IS NOT NULL))
);
CREATE INDEX refunds_order_idx ON refunds (order_id, requested_at);
-- what the grace-expiry worker scans
CREATE INDEX refunds_waiting_idx ON refunds (waiting_since) WHERE status = 'WAITING';
CREATE SEQUENCE refund_waiting_seq;

-- Down Migration
DROP SEQUENCE refund_waiting_seq;
DROP TABLE refunds;
DROP TABLE orders;
