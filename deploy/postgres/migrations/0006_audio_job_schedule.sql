-- The job worker's queue: which asynchronous jobs need a frontend's attention, and when. Replaces the single job-index
-- grain every change rewrote and every poll walked: a poll now reads only the rows that are due (and at most as many
-- waiting jobs as the frontend has room to run), so its cost does not grow with the jobs queued.
-- Idempotent: safe to apply twice. Changes go into a new numbered migration.

CREATE TABLE IF NOT EXISTS audio_job_schedule
(
    job_id     text        NOT NULL PRIMARY KEY,
    waiting    boolean     NOT NULL,                 -- queued: for the next frontend with room, oldest first
    due_at     timestamptz NOT NULL,                 -- otherwise: when a frontend should look at it next
    status     text        NOT NULL,                 -- as last seen: queued, running, completed, failed, expired
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS audio_job_schedule_waiting ON audio_job_schedule (created_at) WHERE waiting;
CREATE INDEX IF NOT EXISTS audio_job_schedule_due ON audio_job_schedule (due_at) WHERE NOT waiting;
