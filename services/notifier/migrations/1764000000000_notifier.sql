-- Up Migration
-- One row per (event, channel): notification_id is derived from both and (event_id, channel) is unique,
-- so no redelivery or replay can create a second notification. Rows are inserted PENDING in the consumer
-- transaction; the delivery worker takes them from there.
CREATE TABLE notifications (
  notification_id text PRIMARY KEY,
  -- keyset order of the listing: newest first, never ambiguous
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  event_id text NOT NULL,
  topic text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('order.confirmed', 'order.failed', 'refund.processed', 'refund.rejected')),
  channel text NOT NULL CHECK (channel IN ('log', 'email', 'webhook')),
  order_id text NOT NULL,
  customer_id text,
  -- the customer's address (email and log channels); null when the event names no customer
  recipient text,
  -- rendered when created, so every attempt sends the same subject, text and bytes
  content jsonb NOT NULL,
  status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
  -- attempts ever made (numbers the attempt rows) and within the current round (a manual retry starts a new one)
  attempts integer NOT NULL DEFAULT 0,
  round_attempts integer NOT NULL DEFAULT 0,
  manual_retries integer NOT NULL DEFAULT 0,
  -- when the next attempt is due; while an attempt runs, the end of its lease
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  failed_at timestamptz,
  UNIQUE (event_id, channel),
  CHECK ((status = 'SENT') = (sent_at IS NOT NULL)),
  CHECK ((status = 'FAILED') = (failed_at IS NOT NULL))
);
-- what the delivery worker scans
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX notifications_failed_idx ON notifications (seq) WHERE status = 'FAILED';
-- the listing's filters
CREATE INDEX notifications_order_idx ON notifications (order_id, seq);
CREATE INDEX notifications_customer_idx ON notifications (customer_id, seq);
CREATE INDEX notifications_status_idx ON notifications (status, seq);

-- Every delivery attempt: opened when claimed, closed with its result. An attempt whose worker died stays
-- open until the notification is claimed again, which closes it as abandoned.
CREATE TABLE notification_attempts (
  notification_id text NOT NULL REFERENCES notifications (notification_id) ON DELETE CASCADE,
  attempt_no integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  ok boolean,
  error text,
  PRIMARY KEY (notification_id, attempt_no),
  CHECK ((finished_at IS NULL) = (ok IS NULL))
);

-- Down Migration
DROP TABLE notification_attempts;
DROP TABLE notifications;
