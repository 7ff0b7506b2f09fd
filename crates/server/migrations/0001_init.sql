-- linkhub schema. Times are Unix seconds unless named *_ms; JSON is stored as TEXT.
CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    name TEXT NOT NULL,
    api_key_hash TEXT NOT NULL,
    webhook_secret_enc TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE connect_sessions (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id),
    token_hash TEXT NOT NULL UNIQUE,
    origin_owner_id TEXT NOT NULL,
    origin_owner_name TEXT NOT NULL,
    origin_username TEXT,
    categories TEXT,
    provider TEXT,
    account_id TEXT,
    label TEXT,
    metadata TEXT,
    multiple BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id),
    provider TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    origin_owner_id TEXT NOT NULL,
    origin_owner_name TEXT NOT NULL,
    origin_username TEXT,
    label TEXT,
    metadata TEXT,
    status TEXT NOT NULL,
    status_reasons TEXT NOT NULL,
    setup_information TEXT NOT NULL,
    secrets TEXT NOT NULL,
    -- project|owner|provider for accounts made with multiple=false: one per owner+provider.
    single_key TEXT UNIQUE,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX accounts_owner ON accounts (project_id, origin_owner_id, provider);

CREATE TABLE idempotency_keys (
    session_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT,
    response TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, idem_key)
);

CREATE TABLE connection_attempts (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    integration_id TEXT,
    status TEXT NOT NULL,
    state_hash TEXT UNIQUE,
    code_verifier TEXT,
    setup_values TEXT,
    account_id TEXT,
    error_code TEXT,
    error_description TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_ms BIGINT NOT NULL,
    last_status_code BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX webhook_due ON webhook_deliveries (status, next_attempt_ms);
CREATE INDEX webhook_account ON webhook_deliveries (account_id);
