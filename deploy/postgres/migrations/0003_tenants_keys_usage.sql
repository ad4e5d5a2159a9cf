-- QwenTts tenants, API keys (stored hashed) and usage metering.
-- Idempotent: safe to apply twice. Changes go into a new numbered migration.

CREATE TABLE IF NOT EXISTS tenants
(
    id                   text        NOT NULL PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    display_name         text        NOT NULL,
    requests_per_minute  integer     NOT NULL DEFAULT 60 CHECK (requests_per_minute > 0),
    characters_per_day   bigint      NOT NULL DEFAULT 200000 CHECK (characters_per_day > 0),
    created_at           timestamptz NOT NULL DEFAULT now(),
    disabled_at          timestamptz NULL
);

-- Only the SHA-256 of a key is kept; the prefix lets operators tell keys apart without seeing them.
CREATE TABLE IF NOT EXISTS api_keys
(
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   text        NOT NULL REFERENCES tenants (id),
    key_hash    bytea       NOT NULL UNIQUE,
    key_prefix  text        NOT NULL,
    label       text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz NULL
);

CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant_id);

-- One row per request that reached synthesis (completed or not). request_id makes retries of the write idempotent.
CREATE TABLE IF NOT EXISTS usage_records
(
    request_id     text             NOT NULL PRIMARY KEY,
    tenant_id      text             NOT NULL REFERENCES tenants (id),
    recorded_at    timestamptz      NOT NULL DEFAULT now(),
    endpoint       text             NOT NULL,
    characters     integer          NOT NULL,
    audio_seconds  double precision NOT NULL,
    devices        text             NOT NULL,
    voice          text             NULL,
    status         text             NOT NULL
);

CREATE INDEX IF NOT EXISTS usage_records_tenant_time ON usage_records (tenant_id, recorded_at);
