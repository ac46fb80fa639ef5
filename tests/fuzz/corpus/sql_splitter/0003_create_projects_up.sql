
CREATE TABLE projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id bigint NOT NULL REFERENCES clients (id) ON DELETE RESTRICT,
    name text NOT NULL,
    status text NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT projects_status_check CHECK (status IN ('active', 'on_hold', 'archived')),
    CONSTRAINT projects_client_name_key UNIQUE (client_id, name)
);
CREATE INDEX projects_client_id_idx ON projects (client_id);

