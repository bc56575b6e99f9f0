//! The PostgreSQL backend: one database shared by several receiver instances.
//!
//! A claim is one `INSERT … ON CONFLICT` (which also takes over a claim whose lease ran out), an
//! answer with its notification and outbox entry is one statement (so one transaction), a
//! waiting request polls its key every [`POLL`], and outbox entries are taken with
//! `FOR UPDATE SKIP LOCKED` plus a lock lease, so no entry is sent by two instances at once.

use std::time::Duration;

use bytes::Bytes;
use snap_http::{Claim, Fingerprint, ReplayKey, StoredResponse};
use tokio_postgres::Row;
use tokio_postgres::types::Json;

use crate::{
    Answer, ClaimCutoff, Delivery, DeliveryState, DeliveryStatus, Notification, NotificationId,
    StoreError, StoredNotification, Summary, UnreadableRecord,
};

/// A deadpool-postgres pool: bring your own (your app's database) or let
/// [`NotificationStore::open`](crate::NotificationStore::open) make one from a URL.
pub type PgPool = deadpool_postgres::Pool;

/// The schema, as shipped in `sql/schema.sql`: put it in your own migrations if you run them.
pub const SCHEMA_SQL: &str = include_str!("../sql/schema.sql");

/// How often a request waiting on an in-progress key looks again.
pub(crate) const POLL: Duration = Duration::from_millis(20);

/// The advisory lock that serialises schema set-up between instances ("snapstor").
const SCHEMA_LOCK: i64 = 0x736e_6170_7374_6f72;

/// A pool of `size` connections to `url` (no TLS: bring your own pool for TLS).
pub(crate) fn pool(url: &str, size: usize) -> Result<PgPool, StoreError> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e: tokio_postgres::Error| StoreError::Location(e.to_string()))?;
    let manager = deadpool_postgres::Manager::from_config(
        config,
        tokio_postgres::NoTls,
        deadpool_postgres::ManagerConfig {
            recycling_method: deadpool_postgres::RecyclingMethod::Fast,
        },
    );
    PgPool::builder(manager)
        .max_size(size.max(1))
        .build()
        .map_err(|e| StoreError::Location(e.to_string()))
}

pub(crate) struct Shared {
    pool: PgPool,
}

const CLAIM: &str = "\
INSERT INTO snap_claims AS c (partner_id, external_id, jakarta_date, fingerprint, lease_until)
VALUES ($1, $2, $3, $4, now() + $5::float8 * interval '1 second')
ON CONFLICT (partner_id, external_id, jakarta_date) DO UPDATE
    SET fingerprint = EXCLUDED.fingerprint, lease_until = EXCLUDED.lease_until
    WHERE c.answer_status IS NULL AND c.lease_until < now()
RETURNING 1";

const LOOK: &str = "\
SELECT fingerprint, answer_status, answer_body FROM snap_claims
WHERE partner_id = $1 AND external_id = $2 AND jakarta_date = $3";

const COMPLETE: &str = "\
WITH open_claim AS (
    SELECT 1 FROM snap_claims
    WHERE partner_id = $1 AND external_id = $2 AND jakarta_date = $3 AND answer_status IS NULL
      AND fingerprint = $15
), n AS (
    INSERT INTO snap_notifications
        (partner_id, external_id, jakarta_date, endpoint, service_code, x_timestamp, channel_id,
         received_at, body, summary)
    SELECT $1, $2, $3, $4::text, $5::text, $6::text, $7::text, $8::timestamptz, $9::bytea, $10::jsonb
    WHERE $11::bool AND EXISTS (SELECT 1 FROM open_claim)
    ON CONFLICT (partner_id, external_id, jakarta_date) DO NOTHING
    RETURNING id
), o AS (
    INSERT INTO snap_outbox (notification_id) SELECT id FROM n WHERE $12::bool
)
UPDATE snap_claims
SET answer_status = $13, answer_body = $14, lease_until = NULL, notification_id = (SELECT id FROM n)
WHERE partner_id = $1 AND external_id = $2 AND jakarta_date = $3 AND answer_status IS NULL
  AND fingerprint = $15";

const RELEASE: &str = "\
DELETE FROM snap_claims
WHERE partner_id = $1 AND external_id = $2 AND jakarta_date = $3 AND answer_status IS NULL";

/// Answered claims of days before $1 (and in-progress ones whose lease ran out), in one
/// statement. Rows another transaction holds are skipped, not waited for: two instances purging at
/// once share the rows, and a row skipped now goes at the next purge.
const PURGE: &str = "\
DELETE FROM snap_claims
WHERE (partner_id, external_id, jakarta_date) IN (
    SELECT partner_id, external_id, jakarta_date FROM snap_claims
    WHERE jakarta_date < $1 AND (answer_status IS NOT NULL OR lease_until < now())
    FOR UPDATE SKIP LOCKED)";

/// The columns [`stored`] decodes, from `snap_notifications n` and `snap_outbox o`.
const COLUMNS: &str = "n.id, n.service_code, n.partner_id, n.endpoint, n.external_id, \
    n.jakarta_date, n.x_timestamp, n.channel_id, n.received_at, n.body, n.summary, \
    o.state, o.attempts, o.last_error";

const TAKE: &str = "\
WITH taken AS (
    UPDATE snap_outbox SET locked_until = now() + $2::float8 * interval '1 second'
    WHERE notification_id IN (
        SELECT notification_id FROM snap_outbox
        WHERE state = 'pending' AND next_attempt_at <= now()
          AND (locked_until IS NULL OR locked_until <= now())
        ORDER BY notification_id
        LIMIT $1
        FOR UPDATE SKIP LOCKED)
    RETURNING *
)";

const REPORT: &str = "\
UPDATE snap_outbox
SET state = $2, attempts = attempts + 1, last_error = $3, locked_until = NULL,
    next_attempt_at = now() + $4::float8 * interval '1 second', updated_at = now()
WHERE notification_id = $1";

impl Shared {
    pub(crate) async fn new(pool: PgPool, apply_schema: bool) -> Result<Self, StoreError> {
        if apply_schema {
            let mut client = pool.get().await?;
            let txn = client.transaction().await?;
            // Two instances starting at once would race on CREATE TABLE IF NOT EXISTS.
            txn.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
                .await?;
            txn.batch_execute(SCHEMA_SQL).await?;
            txn.commit().await?;
        }
        Ok(Self { pool })
    }

    pub(crate) async fn claim(
        &self,
        key: &ReplayKey,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let k = crate::key_parts(key);
        let client = self.pool.get().await?;
        let claim = client.prepare_cached(CLAIM).await?;
        let look = client.prepare_cached(LOOK).await?;
        let lease = lease.as_secs_f64();
        // A claim released between the two statements leaves no row: try again.
        for _ in 0..3 {
            let taken = client
                .query_opt(
                    &claim,
                    &[
                        &k.partner,
                        &k.external_id,
                        &k.date,
                        &fingerprint.as_bytes().as_slice(),
                        &lease,
                    ],
                )
                .await?;
            if taken.is_some() {
                return Ok(Claim::New);
            }
            let Some(row) = client
                .query_opt(&look, &[&k.partner, &k.external_id, &k.date])
                .await?
            else {
                continue;
            };
            let held: &[u8] = row.try_get(0)?;
            let status: Option<i16> = row.try_get(1)?;
            let body: Option<&[u8]> = row.try_get(2)?;
            return Ok(match (held == fingerprint.as_bytes().as_slice(), status) {
                (false, _) => Claim::Conflict,
                (true, None) => Claim::InProgress,
                (true, Some(status)) => Claim::Duplicate(StoredResponse {
                    status: u16::try_from(status).unwrap_or(500),
                    body: Bytes::copy_from_slice(body.unwrap_or_default()),
                }),
            });
        }
        Ok(Claim::InProgress)
    }

    pub(crate) async fn complete(
        &self,
        key: &ReplayKey,
        answer: Answer,
        outbox: bool,
    ) -> Result<(), StoreError> {
        let k = crate::key_parts(key);
        let client = self.pool.get().await?;
        let statement = client.prepare_cached(COMPLETE).await?;
        let n = answer.notification.as_ref();
        let summary = n.map(|n| Json(Summary::of(n.service, &n.body)));
        let status = i16::try_from(answer.response.status).unwrap_or(500);
        let updated = client
            .execute(
                &statement,
                &[
                    &k.partner,
                    &k.external_id,
                    &k.date,
                    &n.map(|n| n.endpoint.as_str()),
                    &n.map(|n| n.service.to_string()),
                    &n.map(|n| n.timestamp.as_str()),
                    &n.and_then(|n| n.channel_id.as_ref().map(|c| c.as_str())),
                    &n.map(|n| n.received_at),
                    &n.map(|n| n.body.as_ref()),
                    &summary,
                    &n.is_some(),
                    &outbox,
                    &status,
                    &answer.response.body.as_ref(),
                    &answer.fingerprint.as_bytes().as_slice(),
                ],
            )
            .await?;
        if updated == 1 {
            return Ok(());
        }
        // Nothing answered: either this request was answered already (by an instance that took
        // the claim over after its lease ran out: fine, answers are final), or another request
        // took the key over, and this answer must not be acknowledged.
        let look = client.prepare_cached(LOOK).await?;
        let row = client
            .query_opt(&look, &[&k.partner, &k.external_id, &k.date])
            .await?;
        let answered_same = row.is_some_and(|row| {
            let held: Result<&[u8], _> = row.try_get(0);
            let status: Result<Option<i16>, _> = row.try_get(1);
            matches!(status, Ok(Some(_)))
                && held.is_ok_and(|held| held == answer.fingerprint.as_bytes().as_slice())
        });
        if answered_same {
            Ok(())
        } else {
            Err(StoreError::ClaimLost)
        }
    }

    pub(crate) async fn release(&self, key: &ReplayKey) -> Result<(), StoreError> {
        let k = crate::key_parts(key);
        let client = self.pool.get().await?;
        let statement = client.prepare_cached(RELEASE).await?;
        client
            .execute(&statement, &[&k.partner, &k.external_id, &k.date])
            .await?;
        Ok(())
    }

    pub(crate) async fn purge_claims(&self, cutoff: ClaimCutoff) -> Result<u64, StoreError> {
        let client = self.pool.get().await?;
        let statement = client.prepare_cached(PURGE).await?;
        Ok(client.execute(&statement, &[&cutoff.first_kept()]).await?)
    }

    pub(crate) async fn list(
        &self,
        after: Option<NotificationId>,
        limit: usize,
    ) -> Result<Vec<Result<StoredNotification, UnreadableRecord>>, StoreError> {
        let client = self.pool.get().await?;
        let after = i64::try_from(after.map_or(0, |id| id.0)).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM snap_notifications n \
                     LEFT JOIN snap_outbox o ON o.notification_id = n.id \
                     WHERE n.id > $1 ORDER BY n.id LIMIT $2"
                ),
                &[&after, &limit],
            )
            .await?;
        Ok(rows.iter().map(stored).collect())
    }

    pub(crate) async fn get(
        &self,
        id: NotificationId,
    ) -> Result<Option<Result<StoredNotification, UnreadableRecord>>, StoreError> {
        let client = self.pool.get().await?;
        let Ok(id) = i64::try_from(id.0) else {
            return Ok(None);
        };
        let row = client
            .query_opt(
                &format!(
                    "SELECT {COLUMNS} FROM snap_notifications n \
                     LEFT JOIN snap_outbox o ON o.notification_id = n.id WHERE n.id = $1"
                ),
                &[&id],
            )
            .await?;
        Ok(row.as_ref().map(stored))
    }

    pub(crate) async fn take_deliveries(
        &self,
        limit: usize,
        lock_for: Duration,
    ) -> Result<Vec<Result<Delivery, UnreadableRecord>>, StoreError> {
        let client = self.pool.get().await?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client
            .query(
                &format!(
                    "{TAKE} SELECT {COLUMNS} FROM taken o \
                     JOIN snap_notifications n ON n.id = o.notification_id ORDER BY n.id"
                ),
                &[&limit, &lock_for.as_secs_f64()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| {
                stored(row).map(|notification| Delivery {
                    attempts: notification.delivery.as_ref().map_or(0, |d| d.attempts),
                    notification,
                })
            })
            .collect())
    }

    pub(crate) async fn report(
        &self,
        id: NotificationId,
        status: DeliveryStatus,
        error: Option<String>,
        after: Duration,
    ) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        let id = i64::try_from(id.0).map_err(|_| StoreError::NotFound(id))?;
        client
            .execute(
                REPORT,
                &[&id, &status.as_str(), &error, &after.as_secs_f64()],
            )
            .await?;
        Ok(())
    }
}

/// Decodes a row of [`COLUMNS`]; any bad column makes the record unreadable, not the listing.
fn stored(row: &Row) -> Result<StoredNotification, UnreadableRecord> {
    let raw_id: i64 = row.try_get(0).unwrap_or(0);
    let id = NotificationId(u64::try_from(raw_id).unwrap_or(0));
    let bad = |what: &str, e: &dyn std::fmt::Display| UnreadableRecord {
        id,
        reason: format!("{what}: {e}"),
    };
    let text = |i: usize, what: &str| -> Result<String, UnreadableRecord> {
        row.try_get::<_, String>(i).map_err(|e| bad(what, &e))
    };
    let service = text(1, "service_code")?
        .parse()
        .map_err(|e| bad("service_code", &e))?;
    let partner_id = text(2, "partner_id")?
        .parse()
        .map_err(|e| bad("partner_id", &e))?;
    let external_id = text(4, "external_id")?
        .parse()
        .map_err(|e| bad("external_id", &e))?;
    let channel_id = row
        .try_get::<_, Option<String>>(7)
        .map_err(|e| bad("channel_id", &e))?
        .map(|c| c.parse())
        .transpose()
        .map_err(|e| bad("channel_id", &e))?;
    let Json(summary) = row
        .try_get::<_, Json<Summary>>(10)
        .map_err(|e| bad("summary", &e))?;
    let delivery = match row
        .try_get::<_, Option<String>>(11)
        .map_err(|e| bad("state", &e))?
    {
        None => None,
        Some(state) => Some(DeliveryState {
            status: DeliveryStatus::parse(&state)
                .ok_or_else(|| bad("state", &format!("unknown state {state:?}")))?,
            attempts: row
                .try_get::<_, i32>(12)
                .map(|a| u32::try_from(a).unwrap_or(0))
                .map_err(|e| bad("attempts", &e))?,
            last_error: row.try_get(13).map_err(|e| bad("last_error", &e))?,
        }),
    };
    Ok(StoredNotification {
        id,
        notification: Notification {
            service,
            partner_id,
            endpoint: text(3, "endpoint")?,
            external_id,
            jakarta_date: row.try_get(5).map_err(|e| bad("jakarta_date", &e))?,
            timestamp: text(6, "x_timestamp")?
                .parse()
                .map_err(|e| bad("x_timestamp", &e))?,
            channel_id,
            received_at: row.try_get(8).map_err(|e| bad("received_at", &e))?,
            body: Bytes::from(row.try_get::<_, Vec<u8>>(9).map_err(|e| bad("body", &e))?),
        },
        summary,
        delivery,
    })
}
