-- Credential checks (issue #15): when an account's credentials were last checked with
-- the provider (at link, edit or by account health), and what came of it (`ok`,
-- `refused`, `not_sent`, `unreachable`, `failed`). NULL: never checked.
ALTER TABLE accounts ADD COLUMN last_checked_at BIGINT;
ALTER TABLE accounts ADD COLUMN last_check TEXT;
