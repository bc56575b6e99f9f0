-- snap-store: the PostgreSQL schema of a NotificationStore (version 1).
--
-- Every statement is idempotent. `NotificationStore::postgres` applies this file on start under a
-- transaction-scoped advisory lock, so several instances starting at once do not race; users who
-- run their own migrations apply it themselves and start the store with `apply_schema(false)`.

-- Claims on (partner, X-EXTERNAL-ID, Asia/Jakarta date): one row per key (SNAP makes an external
-- id unique per partner per day across endpoints). While a request is being handled the row holds
-- its fingerprint and a lease; when the answer is stored the lease is cleared. A lease that runs
-- out (the instance holding it died) lets the next retry take over.
CREATE TABLE IF NOT EXISTS snap_claims (
    partner_id      text        NOT NULL,
    external_id     text        NOT NULL,
    jakarta_date    date        NOT NULL,
    -- SHA-256 over the endpoint and the minified body: "the same request".
    fingerprint     bytea       NOT NULL,
    -- Set while in progress, NULL once answered.
    lease_until     timestamptz,
    -- The final answer (NULL while in progress).
    answer_status   smallint,
    answer_body     bytea,
    notification_id bigint,
    PRIMARY KEY (partner_id, external_id, jakarta_date)
);

-- Every accepted notification, exactly as received, with a typed summary.
CREATE TABLE IF NOT EXISTS snap_notifications (
    id            bigserial   PRIMARY KEY,
    service_code  text        NOT NULL,
    partner_id    text        NOT NULL,
    endpoint      text        NOT NULL,
    external_id   text        NOT NULL,
    jakarta_date  date        NOT NULL,
    x_timestamp   text        NOT NULL,
    channel_id    text,
    -- From the receiving server's clock.
    received_at   timestamptz NOT NULL,
    body          bytea       NOT NULL,
    summary       jsonb       NOT NULL,
    UNIQUE (partner_id, external_id, jakarta_date)
);

-- Notifications to hand on to the merchant's own service. Instances share the work with
-- SELECT ... FOR UPDATE SKIP LOCKED and a short lock lease (locked_until), so no notification is
-- sent by two instances at once.
CREATE TABLE IF NOT EXISTS snap_outbox (
    notification_id bigint      PRIMARY KEY REFERENCES snap_notifications (id),
    state           text        NOT NULL DEFAULT 'pending'
                                CHECK (state IN ('pending', 'delivered', 'abandoned')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz,
    last_error      text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS snap_outbox_due ON snap_outbox (next_attempt_at) WHERE state = 'pending';

-- Which version of this file the database holds (upgrades add rows).
CREATE TABLE IF NOT EXISTS snap_schema_version (
    version    integer     PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO snap_schema_version (version) VALUES (1) ON CONFLICT DO NOTHING;
