-- Extension: onboarding plans, the owner's own accounts, hand-off links.
--
-- A session's plan: its normalized steps (JSON) and their stable id. `handoff_id` is set
-- on a session made by a hand-off link (the `handoffs` row it was made for).
ALTER TABLE connect_sessions ADD COLUMN onboarding TEXT;
ALTER TABLE connect_sessions ADD COLUMN plan_id TEXT;
ALTER TABLE connect_sessions ADD COLUMN handoff_id TEXT;

-- A plan's progress, per project, owner and plan (whichever session carries it). The
-- steps are kept here too, so completion can be decided without any session.
-- `completed_at` is set once, by the one write that finds it NULL (that write also queues
-- the `connect_session.completed` webhook).
CREATE TABLE onboarding_progress (
    project_id TEXT NOT NULL,
    origin_owner_id TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    steps TEXT NOT NULL,
    completed_at BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, origin_owner_id, plan_id)
);

-- The optional steps the owner chose to skip (a row per skipped step).
CREATE TABLE onboarding_skips (
    project_id TEXT NOT NULL,
    origin_owner_id TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    step_index BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, origin_owner_id, plan_id, step_index)
);

-- Hand-off links: a session made by `from_session_id` for a colleague of the same owner,
-- limited to one provider. `seq` numbers a session's hand-offs from 1; the unique pair
-- settles two concurrent hand-offs racing for the last one allowed.
CREATE TABLE handoffs (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    origin_owner_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    from_session_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    from_owner_name TEXT NOT NULL,
    from_username TEXT,
    session_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    account_id TEXT,
    UNIQUE (from_session_id, seq)
);
CREATE INDEX handoffs_owner ON handoffs (project_id, origin_owner_id);

-- An account linked through a hand-off session: the hand-off's id.
ALTER TABLE accounts ADD COLUMN handoff_id TEXT;

-- Accounts deleted, by owner: `DELETE /hub/accounts/{id}` answers a repeat with 204
-- for the owner that deleted it (and 404 for anyone else, as for an unknown id).
CREATE TABLE account_tombstones (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    origin_owner_id TEXT NOT NULL,
    deleted_at BIGINT NOT NULL
);
