-- Up Migration
-- Inbox: one row per consumed event id. The primary key is what makes redelivery harmless.
CREATE TABLE inbox (
  event_id text PRIMARY KEY,
  topic text NOT NULL,
  partition integer NOT NULL,
  "offset" bigint NOT NULL,
  -- PROCESSED, or DEAD_LETTERED when the message went to the DLQ instead
  outcome text NOT NULL DEFAULT 'PROCESSED',
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbox_received_at_idx ON inbox (received_at);

-- Outbox: events written in the same transaction as the state change, published in id order by the relay.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  topic text NOT NULL,
  message_key text,
  value bytea,
  headers jsonb NOT NULL DEFAULT '{}'::jsonb,
  event_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE outbox;
DROP TABLE inbox;
