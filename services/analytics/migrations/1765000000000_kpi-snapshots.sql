-- Up Migration

-- Copies of daily KPIs taken by `analytics snapshot`, so a day's numbers outlive its Redis hash (which
-- expires ANALYTICS_KPI_TTL_DAYS after the day). The query API reads them for days Redis no longer has.
CREATE TABLE kpi_snapshots (
  date date NOT NULL,
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  revenue_cents bigint NOT NULL CHECK (revenue_cents >= 0),
  order_count bigint NOT NULL CHECK (order_count >= 0),
  failed_order_count bigint NOT NULL CHECK (failed_order_count >= 0),
  refund_count bigint NOT NULL CHECK (refund_count >= 0),
  refund_amount_cents bigint NOT NULL CHECK (refund_amount_cents >= 0),
  -- the Redis generation the numbers were read from
  generation text NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (date, currency)
);

-- Down Migration

DROP TABLE kpi_snapshots;
