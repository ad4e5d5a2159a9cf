-- The explicit AI-content label of GB 45438-2025 as a tenant setting: 'off', or 'morse' (the rhythm short-long-short-short
-- at the start of the tenant's speech, job and WebSocket audio). The implicit label (metadata) is on every file regardless.
-- Idempotent: safe to apply twice. Changes go into a new numbered migration.

ALTER TABLE tenants ADD COLUMN IF NOT EXISTS ai_notice text NOT NULL DEFAULT 'off';

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'tenants_ai_notice_known') THEN
        ALTER TABLE tenants ADD CONSTRAINT tenants_ai_notice_known CHECK (ai_notice IN ('off', 'morse'));
    END IF;
END $$;
