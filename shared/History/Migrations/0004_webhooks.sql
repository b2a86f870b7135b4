-- Webhooks: a tenant's subscriptions, the outbox of deliveries (one row per event and receiver, written in the
-- transaction that archives the job or batch), and every attempt to deliver one.

CREATE TABLE webhook_subscriptions (
    id              text COLLATE "C" PRIMARY KEY,           -- wh_<ULID>
    tenant          text NOT NULL,
    url             text NOT NULL,
    events          text[] NOT NULL,                        -- job.completed | job.failed | job.cancelled | batch.finished
    secret          text NOT NULL,                          -- whsec_<base64 key>: needed in clear to sign
    created_at      timestamptz NOT NULL DEFAULT now(),
    disabled_at     timestamptz,                            -- set when the receiver answered 410 Gone
    disabled_reason text
);
CREATE INDEX webhook_subscriptions_tenant ON webhook_subscriptions (tenant, created_at, id);

-- The key that signs deliveries to a job's own callback_url (one per tenant, made at the first such delivery).
CREATE TABLE webhook_tenant_secrets (
    tenant     text PRIMARY KEY,
    secret     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
    id              text COLLATE "C" PRIMARY KEY,           -- msg_<hex>: the webhook-id header, the receiver's de-duplication key
    tenant          text NOT NULL,
    subscription_id text COLLATE "C" REFERENCES webhook_subscriptions (id) ON DELETE CASCADE, -- null: the job's callback_url
    url             text NOT NULL,
    event_type      text NOT NULL,
    resource_id     text COLLATE "C" NOT NULL,              -- job_<ULID> or batch_<ULID>; the body is rendered from its archived row
    created_at      timestamptz NOT NULL DEFAULT now(),     -- the event's time (the body's timestamp)
    state           text NOT NULL DEFAULT 'pending',        -- pending | delivered | failed (gave up) | disabled (subscription gone)
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz DEFAULT now(),              -- null once it is no longer pending
    lease           integer NOT NULL DEFAULT 0,             -- bumped by each claim: only the latest claimant records its attempt
    last_status     integer,
    last_error      text,
    delivered_at    timestamptz
);
-- The senders' poll: pending rows by due time.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (tenant, subscription_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_resource ON webhook_deliveries (tenant, resource_id);

CREATE TABLE webhook_attempts (
    delivery_id text COLLATE "C" NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    number      integer NOT NULL,
    tenant      text NOT NULL,
    started_at  timestamptz NOT NULL,
    duration_ms integer NOT NULL,
    status      integer,                                    -- the HTTP status; null when there was no answer
    error       text,                                       -- why it did not count as delivered
    PRIMARY KEY (delivery_id, number)
);
