-- Idempotency-Key claims: one row per (tenant, key), naming the job (or batch) the first request created.

CREATE TABLE idempotency_keys (
    tenant      text NOT NULL,
    key         text NOT NULL,
    fingerprint text NOT NULL,                              -- hash of what the request asked for
    resource_id text NOT NULL,                              -- the job id (or batch id) the key stands for
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant, key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
