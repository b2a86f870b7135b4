-- Finished jobs, their results and finished batches: the system of record once a job leaves etcd.
-- Ids compare byte-wise (COLLATE "C"), as the ULID order and the gateway's cursors do.

CREATE TABLE jobs (
    id                      text COLLATE "C" PRIMARY KEY,   -- REST id: job_<ULID>
    tenant                  text NOT NULL,
    type                    text NOT NULL,
    status                  text NOT NULL,                  -- terminal phase: Completed | Failed | Cancelled
    priority                text NOT NULL,
    params                  json,                           -- json, not jsonb: key order kept as dispatched
    error_code              text,
    error_message           text,
    retry_count             integer NOT NULL DEFAULT 0,
    created_at              timestamptz NOT NULL,           -- millisecond of the ULID
    started_at              timestamptz,
    completed_at            timestamptz,
    estimated_completion_at timestamptz,
    batch_id                text COLLATE "C",
    batch_index             integer,
    attempts                jsonb NOT NULL DEFAULT '[]',    -- [{number, pool, instance, started_at, ended_at, outcome, error_code}]
    archived_at             timestamptz NOT NULL DEFAULT now()
);

-- Newest-first keyset paging per tenant, unfiltered and by each filter; date filters are ranges on created_at.
CREATE INDEX jobs_tenant_created ON jobs (tenant, created_at DESC, id DESC);
CREATE INDEX jobs_tenant_type_created ON jobs (tenant, type, created_at DESC, id DESC);
CREATE INDEX jobs_tenant_status_created ON jobs (tenant, status, created_at DESC, id DESC);
CREATE INDEX jobs_tenant_batch ON jobs (tenant, batch_id, batch_index) WHERE batch_id IS NOT NULL;

-- Results apart from the job row: they may be stored while the job still runs (status then keeps a reference),
-- and list queries never touch them.
CREATE TABLE job_results (
    job_id     text COLLATE "C" PRIMARY KEY,
    tenant     text NOT NULL,
    encoding   text NOT NULL,                               -- gzip
    size_bytes bigint NOT NULL,                             -- uncompressed JSON bytes
    body       bytea NOT NULL,
    stored_at  timestamptz NOT NULL DEFAULT now()
);
-- Already compressed: keep it out of line without TOAST compressing it again.
ALTER TABLE job_results ALTER COLUMN body SET STORAGE EXTERNAL;

CREATE TABLE batches (
    id           text COLLATE "C" PRIMARY KEY,              -- REST id: batch_<ULID>
    tenant       text NOT NULL,
    sequential   boolean NOT NULL,
    status       text NOT NULL,
    created_at   timestamptz NOT NULL,
    completed_at timestamptz,
    jobs         jsonb NOT NULL,                            -- [{index, id, type, priority}] in batch order
    archived_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX batches_tenant_created ON batches (tenant, created_at DESC, id DESC);
