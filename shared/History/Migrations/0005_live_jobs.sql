-- Live signals of queued and running jobs that change too often for the AiJob's status (etcd): the progress the
-- worker reports, and the job's place in its pool's claim queue. Written by the leading operator in batched upserts,
-- read by every gateway replica by "changed since"; a row goes when its job is archived, so the table holds live
-- jobs only.

CREATE TABLE live_jobs (
    job_id         text COLLATE "C" PRIMARY KEY,            -- job_<ULID>, as in jobs.id
    name           text NOT NULL,                           -- the AiJob's name
    tenant         text NOT NULL,
    attempt        integer NOT NULL,                        -- the attempt the progress belongs to (0 before the first)
    progress       real CHECK (progress >= 0 AND progress <= 1),
    queue_position integer CHECK (queue_position >= 1),     -- 1 = next to be claimed in its pool
    pool_capacity  integer CHECK (pool_capacity >= 0),      -- jobs the pool runs at once, for the estimate
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Readers page through changes in (updated_at, job_id) order.
CREATE INDEX live_jobs_changed ON live_jobs (updated_at, job_id);
