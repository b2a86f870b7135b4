-- Per-tenant retention of the archive; tenants without a row keep the configured default.

CREATE TABLE tenant_retention (
    tenant    text PRIMARY KEY,
    retention interval NOT NULL CHECK (retention > interval '0')
);

-- The sweep walks each tenant's oldest finished rows in small batches (a job cancelled before it was ever
-- marked complete counts from its creation).
CREATE INDEX jobs_tenant_finished ON jobs (tenant, (coalesce(completed_at, created_at)));
CREATE INDEX batches_tenant_finished ON batches (tenant, (coalesce(completed_at, created_at)));
