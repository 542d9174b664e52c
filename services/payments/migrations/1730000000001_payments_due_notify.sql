-- Up Migration
-- New payments wake the charge submitter at once instead of at its next poll: a statement-level trigger
-- (one NOTIFY per inserting statement, delivered at commit, so a rolled-back batch wakes nobody; repeats in
-- one transaction collapse into one). The channel is `<schema, first 50 chars>_payments_due`.
CREATE FUNCTION payments_due_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(left(TG_TABLE_SCHEMA, 50) || '_payments_due', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER payments_due_notify AFTER INSERT ON payments
  FOR EACH STATEMENT EXECUTE FUNCTION payments_due_notify();

-- Down Migration
DROP TRIGGER payments_due_notify ON payments;
DROP FUNCTION payments_due_notify();
