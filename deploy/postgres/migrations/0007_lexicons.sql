-- Pronunciation lexicons (/v1/lexicons): per tenant, named, each a list of grapheme -> alias entries applied to a
-- request's text before it is tokenised. Entries are one jsonb array [{"grapheme": ..., "alias": ...}]: a lexicon is
-- always read and written whole. Idempotent: safe to apply twice. Changes go into a new numbered migration.

CREATE TABLE IF NOT EXISTS lexicons
(
    tenant_id   text        NOT NULL REFERENCES tenants (id),
    name        text        NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    entries     jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);
