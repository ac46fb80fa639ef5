
CREATE TABLE clients (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    contact_email text,
    default_hourly_rate numeric(10, 2) NOT NULL DEFAULT 0,
    currency char(3) NOT NULL DEFAULT 'EUR',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT clients_name_key UNIQUE (name)
);

