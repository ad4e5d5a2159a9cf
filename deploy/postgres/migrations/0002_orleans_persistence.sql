-- Orleans ADO.NET grain storage (Microsoft.Orleans.Persistence.AdoNet 10.4.2) for PostgreSQL, written for QwenTts.
--
-- Contract: parameters @GrainIdHash @GrainIdN0 @GrainIdN1 @GrainTypeHash @GrainTypeString @GrainIdExtensionString
-- @ServiceId @GrainStateVersion @PayloadBinary. Reads return PayloadBinary and Version; writes, clears and deletes
-- return NewGrainStateVersion. A write whose expected version is stale returns that same version (or NULL when no
-- version was expected), which the provider turns into an InconsistentStateException: the ETag check.
-- Idempotent: safe to apply twice.

CREATE TABLE IF NOT EXISTS orleans_grain_state
(
    service_id      varchar(150) NOT NULL,
    grain_type_hash integer      NOT NULL,
    grain_type      varchar(512) NOT NULL,
    grain_id_hash   integer      NOT NULL,
    grain_id_n0     bigint       NOT NULL,
    grain_id_n1     bigint       NOT NULL,
    grain_id_ext    varchar(512) NULL,
    payload         bytea        NULL,
    version         integer      NOT NULL,
    modified_at     timestamptz  NOT NULL DEFAULT now()
);

-- One row per grain; the expression lets a NULL key extension take part in uniqueness.
CREATE UNIQUE INDEX IF NOT EXISTS orleans_grain_state_identity
    ON orleans_grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, (coalesce(grain_id_ext, '')));

CREATE INDEX IF NOT EXISTS orleans_grain_state_lookup ON orleans_grain_state (grain_id_hash, grain_type_hash);

CREATE OR REPLACE FUNCTION orleans_write_grain_state(
    p_grain_id_hash integer, p_grain_id_n0 bigint, p_grain_id_n1 bigint, p_grain_type_hash integer,
    p_grain_type varchar, p_grain_id_ext varchar, p_service_id varchar, p_version integer, p_payload bytea)
RETURNS integer LANGUAGE plpgsql AS
$$
DECLARE
    affected integer;
BEGIN
    IF p_version IS NULL THEN
        -- First write of this grain: exactly one concurrent writer may create the row.
        INSERT INTO orleans_grain_state
            (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1, grain_id_ext, payload, version)
        VALUES
            (p_service_id, p_grain_type_hash, p_grain_type, p_grain_id_hash, p_grain_id_n0, p_grain_id_n1, p_grain_id_ext, p_payload, 1)
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS affected = ROW_COUNT;
        RETURN CASE WHEN affected > 0 THEN 1 ELSE NULL END;
    END IF;

    UPDATE orleans_grain_state
    SET payload = p_payload, version = version + 1, modified_at = now()
    WHERE grain_id_hash = p_grain_id_hash AND grain_type_hash = p_grain_type_hash
      AND service_id = p_service_id AND grain_type = p_grain_type
      AND grain_id_n0 = p_grain_id_n0 AND grain_id_n1 = p_grain_id_n1
      AND grain_id_ext IS NOT DISTINCT FROM p_grain_id_ext
      AND version = p_version;
    GET DIAGNOSTICS affected = ROW_COUNT;
    RETURN CASE WHEN affected > 0 THEN p_version + 1 ELSE p_version END;
END
$$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $q$
    SELECT payload AS PayloadBinary, version AS Version
    FROM orleans_grain_state
    WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
      AND service_id = @ServiceId AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString;
$q$),
('WriteToStorageKey', $q$
    SELECT orleans_write_grain_state(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
        @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary) AS NewGrainStateVersion;
$q$),
('ClearStorageKey', $q$
    UPDATE orleans_grain_state
    SET payload = NULL, version = version + 1, modified_at = now()
    WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
      AND service_id = @ServiceId AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString
      AND version = @GrainStateVersion
    RETURNING version AS NewGrainStateVersion;
$q$),
('DeleteStorageKey', $q$
    DELETE FROM orleans_grain_state
    WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
      AND service_id = @ServiceId AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString
      AND version = @GrainStateVersion
    RETURNING version + 1 AS NewGrainStateVersion;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
