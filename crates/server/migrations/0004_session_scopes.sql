-- StackOne's connect-session fields: `scopes` (a JSON list of guide scopes, shown to the
-- widget), and `relink` and `shared` (stored as sent; they have no effect here, see
-- docs/protocol.md). NULL: not sent.
ALTER TABLE connect_sessions ADD COLUMN scopes TEXT;
ALTER TABLE connect_sessions ADD COLUMN relink BIGINT;
ALTER TABLE connect_sessions ADD COLUMN shared BIGINT;
