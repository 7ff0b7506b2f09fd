-- Operator console sign-ins. Only a hash of the cookie's value is stored; the CSRF token
-- is shown in every form of that sign-in. `key_hash` is the project API key's hash at
-- sign-in: replacing the key signs every console session out.
CREATE TABLE console_sessions (
    id_hash TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id),
    key_hash TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
