-- Voice consents (OpenAI's /v1/audio/voice_consents): one row per consent recording a tenant uploaded.
-- The recording itself is not kept: its SHA-256, length and language are what a later audit needs.
-- Idempotent: safe to apply twice. Changes go into a new numbered migration.

CREATE TABLE IF NOT EXISTS voice_consents
(
    id                 text             NOT NULL PRIMARY KEY CHECK (id ~ '^cons_[0-9a-f]{24}$'),
    tenant_id          text             NOT NULL REFERENCES tenants (id),
    name               text             NOT NULL,
    language           text             NOT NULL,
    recording_sha256   bytea            NOT NULL,
    recording_seconds  double precision NOT NULL CHECK (recording_seconds > 0),
    recording_bytes    integer          NOT NULL CHECK (recording_bytes > 0),
    content_type       text             NOT NULL,
    created_at         timestamptz      NOT NULL DEFAULT now()
);

-- Lists page by (created_at, id) within a tenant.
CREATE INDEX IF NOT EXISTS voice_consents_tenant_page ON voice_consents (tenant_id, created_at DESC, id DESC);
