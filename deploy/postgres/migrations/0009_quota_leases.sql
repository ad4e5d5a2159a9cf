-- Quota leases: the characters a frontend holds for a tenant, so its requests start without a call to the tenant's quota
-- grain (which may sit on a silo that just died). The grain writes the row on every grant: characters granted in all and
-- how many of them the holder said its requests reserved; it removes the row when the rest comes back. A new activation
-- of the grain (its silo died) counts what is still out (characters - reserved), so no block is granted twice.
-- Idempotent: safe to apply twice. Changes go into a new numbered migration.

CREATE TABLE IF NOT EXISTS quota_leases (
    tenant_id   text        NOT NULL,
    holder      text        NOT NULL,
    lease_id    uuid        NOT NULL,
    day         date        NOT NULL,
    characters  bigint      NOT NULL CHECK (characters >= 0),
    reserved    bigint      NOT NULL CHECK (reserved >= 0),
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, holder)
);
