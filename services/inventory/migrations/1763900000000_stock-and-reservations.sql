-- Up Migration
-- Stock per SKU. available = on_hand - reserved; sold only grows. The CHECKs are the last line of defence:
-- the handlers never let a row get here, so a violation means a bug (and dead-letters the event).
CREATE TABLE stock (
  -- Byte order ("C"): the order rows are locked in and pages are keyed on, the same on every machine.
  sku text COLLATE "C" PRIMARY KEY,
  product_name text NOT NULL,
  on_hand integer NOT NULL,
  reserved integer NOT NULL DEFAULT 0,
  sold integer NOT NULL DEFAULT 0,
  unit_price_cents bigint,
  currency text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT stock_on_hand_not_negative CHECK (on_hand >= 0),
  CONSTRAINT stock_reserved_not_negative CHECK (reserved >= 0),
  CONSTRAINT stock_sold_not_negative CHECK (sold >= 0),
  CONSTRAINT stock_reserved_within_on_hand CHECK (reserved <= on_hand)
);

-- One row per order that reached the inventory: the outcome of its orders.placed (RESERVED or REJECTED),
-- later moved on by orders.finished (COMMITTED or RELEASED). The order id as key is what makes a second
-- orders.placed for the same order (a conflicting re-import) a no-op.
CREATE TABLE reservations (
  order_id text PRIMARY KEY,
  reservation_id text NOT NULL UNIQUE,
  status text NOT NULL CONSTRAINT reservations_status_known
    CHECK (status IN ('RESERVED', 'COMMITTED', 'RELEASED', 'REJECTED')),
  currency text NOT NULL,
  total_cents bigint NOT NULL,
  -- The order's lines, priced with the order's unit prices: [{sku, qty, unit_price_cents, line_total_cents}]
  lines jsonb NOT NULL,
  -- REJECTED: OUT_OF_STOCK or UNKNOWN_SKU; FINISHED_BEFORE_PLACED for a row recorded by orders.finished
  reason text,
  -- REJECTED only: the lines that could not be reserved, [{sku, reason, requested, available}]
  rejected_lines jsonb,
  placed_event_id text,
  content_hash text,
  correlation_id text NOT NULL,
  finished_event_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE reservations;
DROP TABLE stock;
