-- The options a client may set on a job (REST max_retries, timeout_seconds, metadata) and the job a retry repeats,
-- kept with the finished job so its archived view shows them. All nullable: rows archived before keep NULL, and the
-- previous release's upsert (which does not name them) still works.

ALTER TABLE jobs
    ADD COLUMN max_retries     integer CHECK (max_retries >= 0),
    ADD COLUMN timeout_seconds integer CHECK (timeout_seconds >= 1),
    ADD COLUMN metadata        jsonb,                       -- a flat object of strings; NULL when none were given
    ADD COLUMN retry_of        text COLLATE "C";            -- job_<ULID> of the job this one retries

-- `metadata @> '{"k": "v"}'` filters of the list (jsonb_path_ops: containment only, smaller than the default class).
CREATE INDEX jobs_metadata ON jobs USING gin (metadata jsonb_path_ops);
