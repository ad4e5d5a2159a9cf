-- Trust: tenant policy on one-shot cloning, the speaker of a consent, and the frontends' shared Data Protection key ring.
-- Idempotent: safe to apply twice. Changes go into a new numbered migration.

-- One-shot cloning from ref_audio on /v1/audio/speech is a tenant setting, off for new tenants (as hosted APIs gate
-- cloning). Tenants that existed before this step had it and keep it until an operator turns it off
-- ('admin set-tenant ID --reference-cloning off').
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS reference_cloning boolean;
UPDATE tenants SET reference_cloning = true WHERE reference_cloning IS NULL;
ALTER TABLE tenants ALTER COLUMN reference_cloning SET DEFAULT false;
ALTER TABLE tenants ALTER COLUMN reference_cloning SET NOT NULL;

-- The Base model's speaker embedding of the consent recording (the recording itself is still not kept): a voice made
-- from an audio_sample under the consent must be the same speaker. Consents made before this step have none and
-- cannot be used for new voices until recorded again.
ALTER TABLE voice_consents ADD COLUMN IF NOT EXISTS speaker_embedding real[] NULL;

-- ASP.NET Data Protection's key ring, shared by every frontend (robot credentials, audio links). Keys are only added.
CREATE TABLE IF NOT EXISTS data_protection_keys
(
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name  text        NOT NULL UNIQUE,
    xml            text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
