-- Up Migration

-- One row per order id the service has heard of. The placed columns stay NULL until orders.placed is seen
-- (events of other topics can come first); status is derived from the order's facts in order_events.
CREATE TABLE orders (
  order_id text PRIMARY KEY,
  status text NOT NULL DEFAULT 'PENDING'
    CHECK (status IN ('PENDING', 'PLACED', 'RESERVED', 'PAID', 'FAILED')),
  reason text,
  reason_detail text,
  payment_id text,
  -- the fact (event id) that decided PAID or FAILED
  decided_by_event_id text,
  -- from the first orders.placed; a re-import never overwrites them
  placed_event_id text,
  correlation_id text,
  content_hash text,
  customer_id text,
  customer_email text,
  customer_name text,
  currency text,
  total_cents bigint,
  lines jsonb,
  placed_at timestamptz,
  source jsonb,
  first_seen_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- set once, in the transaction that queues the order's one orders.finished
  finished_at timestamptz,
  finished_event_id text UNIQUE,
  CONSTRAINT orders_finished_together CHECK ((finished_at IS NULL) = (finished_event_id IS NULL)),
  CONSTRAINT orders_finished_is_final CHECK (finished_at IS NULL OR status IN ('PAID', 'FAILED')),
  CONSTRAINT orders_finished_was_placed CHECK (finished_at IS NULL OR placed_event_id IS NOT NULL)
);

-- Keyset pagination of GET /orders, newest first, with and without its filters.
CREATE INDEX orders_placed_idx ON orders (placed_at DESC, order_id DESC) WHERE placed_at IS NOT NULL;
CREATE INDEX orders_status_placed_idx ON orders (status, placed_at DESC, order_id DESC)
  WHERE placed_at IS NOT NULL;
CREATE INDEX orders_customer_placed_idx ON orders (customer_id, placed_at DESC, order_id DESC)
  WHERE placed_at IS NOT NULL;
-- Stuck-order report: open orders by age.
CREATE INDEX orders_open_idx ON orders (first_seen_at) WHERE finished_at IS NULL;

-- Every consumed event that touched an order, in receipt order (id): the facts the state is derived from
-- and the order's timeline. `data` holds what the state needs from the event.
CREATE TABLE order_events (
  id bigserial PRIMARY KEY,
  order_id text NOT NULL REFERENCES orders (order_id),
  event_id text NOT NULL UNIQUE,
  topic text NOT NULL,
  kind text NOT NULL,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  data jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX order_events_order_idx ON order_events (order_id, id);

-- Facts that contradict what the order already is (re-import with other content, illegal transitions):
-- kept for an operator, never applied.
CREATE TABLE order_conflicts (
  id bigserial PRIMARY KEY,
  order_id text NOT NULL REFERENCES orders (order_id),
  event_id text NOT NULL UNIQUE,
  topic text NOT NULL,
  kind text NOT NULL,
  detail text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX order_conflicts_order_idx ON order_conflicts (order_id);

-- Down Migration
DROP TABLE order_conflicts;
DROP TABLE order_events;
DROP TABLE orders;
