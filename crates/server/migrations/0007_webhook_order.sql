-- Webhooks about one account are delivered in the order they were made (a receiver never
-- sees `account.deleted` before `account.created`, or an account's `error` after the
-- `active` that followed it): `created_ms` orders them, and a delivery waits while an older
-- one about the same account is still pending. Rows made before this migration count as
-- made at 0 (they are delivered as before, in no particular order among themselves).
ALTER TABLE webhook_deliveries ADD COLUMN created_ms BIGINT NOT NULL DEFAULT 0;
CREATE INDEX webhook_account_order ON webhook_deliveries (account_id, status, created_ms);
