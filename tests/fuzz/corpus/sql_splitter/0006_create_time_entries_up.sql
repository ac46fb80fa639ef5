
-- The branch point: billing (0007..0010) and reporting (0011..0014) both start here.
CREATE TABLE time_entries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    started_at timestamptz NOT NULL,
    ended_at timestamptz,
    note text NOT NULL DEFAULT '',
    CONSTRAINT time_entries_period_check CHECK (ended_at IS NULL OR ended_at > started_at)
);
CREATE INDEX time_entries_task_id_idx ON time_entries (task_id);

