//! The embedded backend: one redb file written by one process.
//!
//! Claims in progress live in memory (only this process writes the file, so only it can be
//! handling a key); answered claims, notifications and the outbox live in the file. Writes go
//! through one writer thread that commits whatever has queued up while the previous commit was
//! being made durable (group commit): each notification's claim answer, record and outbox entry
//! are written by one job, a job never spans two transactions, and a caller hears back only once
//! the transaction holding its job has committed.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::time::{Duration, Instant};

use bytes::Bytes;
use redb::{
    Database, ReadOnlyDatabase, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition,
    WriteTransaction,
};
use serde::{Deserialize, Serialize};
use snap_http::{Claim, Fingerprint, ReplayKey, StoredResponse};
use snap_types::{ChannelId, ExternalId, PartnerId, ServiceCode, Timestamp};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use tokio::sync::{oneshot, watch};

use crate::error::redb_error;
use crate::{
    Answer, ClaimCutoff, Delivery, DeliveryState, DeliveryStatus, Notification, NotificationId,
    StoreError, StoredNotification, Summary, UnreadableRecord,
};

#[cfg(any(test, fuzzing))]
pub(crate) mod fuzz_check;

/// Answered claims by (Julian day of the Jakarta date, partner, external id):
/// `fingerprint (32) | status (2, big endian) | notification id (8, big endian; 0 = none) | body`.
const CLAIMS: TableDefinition<'_, (i32, &str, &str), &[u8]> = TableDefinition::new("claims");
/// Notifications by id (JSON [`RecordJson`]).
const NOTIFICATIONS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("notifications");
/// Raw bodies by notification id.
const BODIES: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("bodies");
/// Delivery state by notification id (JSON [`DeliveryState`]), for every notification that has one.
const DELIVERIES: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("deliveries");
/// The ids still to be delivered (a subset of `DELIVERIES`), so a pass reads only those.
const OUTBOX: TableDefinition<'_, u64, ()> = TableDefinition::new("outbox");

/// How many queued jobs one transaction takes at most.
const MAX_GROUP: usize = 1024;
/// How many claims one purge job removes: a large purge goes in several transactions, so the
/// notifications committed in the same group are never held up for long.
const PURGE_BATCH: usize = 1000;

/// A notification as the file holds it (the body is kept apart, in `BODIES`).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordJson {
    service: ServiceCode,
    partner_id: PartnerId,
    endpoint: String,
    external_id: ExternalId,
    jakarta_date: i32,
    timestamp: Timestamp,
    channel_id: Option<ChannelId>,
    received_at: String,
    summary: Summary,
}

enum Db {
    Writable(Arc<Database>),
    ReadOnly(ReadOnlyDatabase),
}

impl Db {
    fn begin_read(&self) -> Result<ReadTransaction, StoreError> {
        match self {
            Self::Writable(db) => db.begin_read(),
            Self::ReadOnly(db) => db.begin_read(),
        }
        .map_err(redb_error)
    }
}

/// A claim being handled in this process.
struct InFlight {
    fingerprint: Fingerprint,
    done: watch::Sender<bool>,
}

/// Resolves with the job's own result once its transaction committed (or with why it did not).
type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;
/// One write: applies itself to the group's transaction. `Err` (with what went wrong) aborts the
/// group.
type Job = Box<dyn FnOnce(&WriteTransaction) -> Result<Reply, (String, Reply)> + Send>;

pub(crate) struct Embedded {
    db: Db,
    /// The file (`None` in memory).
    path: Option<std::path::PathBuf>,
    writer: Option<Mutex<mpsc::Sender<Job>>>,
    /// The writer thread, joined on drop so the file is closed when the store is gone.
    writer_thread: Option<std::thread::JoinHandle<()>>,
    in_flight: Mutex<HashMap<ReplayKey, InFlight>>,
    /// Outbox entries taken or waiting for a retry: not offered again before the instant.
    not_before: Mutex<HashMap<u64, Instant>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves the map consistent (single inserts/removes).
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Why a file could not be opened: in use by another process, written in an older redb file
/// format (left untouched), or redb's own error.
fn open_error(e: redb::DatabaseError) -> StoreError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => StoreError::InUse,
        redb::DatabaseError::UpgradeRequired(version) => StoreError::OldFormat(version),
        e => redb_error(e),
    }
}

impl Embedded {
    /// Opens (or creates) the file for writing, excluding every other process.
    ///
    /// Exclusive on purpose: redb lets other processes read a file while one writes it
    /// (`ConcurrencyMode::SingleWriter`) only with two-phase commits, two fsyncs per commit
    /// instead of one, which halves a receiver's durable throughput.
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::builder().create(path).map_err(open_error)?;
        Self::writable(db, Some(path))
    }

    /// A store in memory only: the same code without the disk (benchmarks, tests).
    pub(crate) fn in_memory() -> Result<Self, StoreError> {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(redb_error)?;
        Self::writable(db, None)
    }

    /// Opens an existing file read-only; [`StoreError::InUse`] while a receiver writes it.
    pub(crate) fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        let db = Database::builder()
            .open_read_only(path)
            .map_err(open_error)?;
        Ok(Self {
            db: Db::ReadOnly(db),
            path: Some(path.to_owned()),
            writer: None,
            writer_thread: None,
            in_flight: Mutex::default(),
            not_before: Mutex::default(),
        })
    }

    fn writable(db: Database, path: Option<&Path>) -> Result<Self, StoreError> {
        let txn = db.begin_write().map_err(redb_error)?;
        txn.open_table(CLAIMS).map_err(redb_error)?;
        for table in [NOTIFICATIONS, BODIES, DELIVERIES] {
            txn.open_table(table).map_err(redb_error)?;
        }
        txn.open_table(OUTBOX).map_err(redb_error)?;
        txn.commit().map_err(redb_error)?;
        let db = Arc::new(db);
        let (writer, queue) = mpsc::channel();
        let thread_db = Arc::clone(&db);
        let thread = std::thread::Builder::new()
            .name("snap-store-writer".into())
            .spawn(move || write_loop(&thread_db, &queue))
            .map_err(|_| StoreError::Closed)?;
        Ok(Self {
            db: Db::Writable(db),
            path: path.map(Path::to_owned),
            writer: Some(Mutex::new(writer)),
            writer_thread: Some(thread),
            in_flight: Mutex::default(),
            not_before: Mutex::default(),
        })
    }

    /// Runs `apply` in the next group's transaction; resolves once that transaction committed.
    async fn write<T: Send + 'static>(
        &self,
        apply: impl FnOnce(&WriteTransaction) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let writer = self.writer.as_ref().ok_or(StoreError::ReadOnly)?;
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |txn| {
            let result = apply(txn);
            let failure = result.as_ref().err().map(ToString::to_string);
            let reply: Reply = Box::new(move |committed: Result<(), String>| {
                // The job's own error first; else whether its transaction committed.
                let answer = result
                    .and_then(|value| committed.map(|()| value).map_err(StoreError::NotCommitted));
                // The caller may have gone away (its client disconnected): nobody to tell.
                let _ = tx.send(answer);
            });
            match failure {
                None => Ok(reply),
                Some(message) => Err((message, reply)),
            }
        });
        lock(writer).send(job).map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    pub(crate) fn claim(
        &self,
        key: &ReplayKey,
        fingerprint: Fingerprint,
    ) -> Result<Claim, StoreError> {
        let mut in_flight = lock(&self.in_flight);
        if let Some(held) = in_flight.get(key) {
            return Ok(if held.fingerprint == fingerprint {
                Claim::InProgress
            } else {
                Claim::Conflict
            });
        }
        // Under the lock: a completion removes its in-flight entry only after its commit, so a key
        // absent from both places is free.
        if let Some((stored, response)) = self.answered(key)? {
            return Ok(if stored == fingerprint {
                Claim::Duplicate(response)
            } else {
                Claim::Conflict
            });
        }
        in_flight.insert(
            key.clone(),
            InFlight {
                fingerprint,
                done: watch::channel(false).0,
            },
        );
        Ok(Claim::New)
    }

    fn answered(
        &self,
        key: &ReplayKey,
    ) -> Result<Option<(Fingerprint, StoredResponse)>, StoreError> {
        let txn = self.db.begin_read()?;
        let claims = txn.open_table(CLAIMS).map_err(redb_error)?;
        let parts = crate::key_parts(key);
        let Some(value) = claims
            .get((parts.day, parts.partner, parts.external_id))
            .map_err(redb_error)?
        else {
            return Ok(None);
        };
        decode_answer(value.value())
            .map(|(fingerprint, response, _)| Some((fingerprint, response)))
            .ok_or(StoreError::Corrupt)
    }

    pub(crate) async fn complete(
        &self,
        key: &ReplayKey,
        answer: Answer,
        forward: bool,
    ) -> Result<(), StoreError> {
        let owned_key = key.clone();
        let committed = self
            .write(move |txn| store_answer(txn, &owned_key, answer, forward))
            .await;
        // Whether or not it was stored, this process no longer handles the key.
        self.finish(key);
        committed
    }

    pub(crate) fn release(&self, key: &ReplayKey) {
        self.finish(key);
    }

    fn finish(&self, key: &ReplayKey) {
        if let Some(held) = lock(&self.in_flight).remove(key) {
            held.done.send_replace(true);
        }
    }

    pub(crate) async fn wait(&self, key: &ReplayKey) {
        let receiver = lock(&self.in_flight)
            .get(key)
            .map(|held| held.done.subscribe());
        if let Some(mut receiver) = receiver {
            // An error means the sender is gone: the key was finished either way.
            let _ = receiver.wait_for(|done| *done).await;
        }
    }

    pub(crate) async fn purge_claims(&self, cutoff: ClaimCutoff) -> Result<u64, StoreError> {
        // Claims are keyed by day first: everything before (first kept day, "", "") is older.
        let first_kept = cutoff.first_kept().to_julian_day();
        let mut removed = 0;
        loop {
            let batch = self
                .write(move |txn| {
                    let mut claims = txn.open_table(CLAIMS).map_err(redb_error)?;
                    let mut batch = 0;
                    for entry in claims
                        .extract_if(..(first_kept, "", ""), |_, _| true)
                        .map_err(redb_error)?
                        .take(PURGE_BATCH)
                    {
                        entry.map_err(redb_error)?;
                        batch += 1;
                    }
                    Ok(batch)
                })
                .await?;
            removed += batch as u64;
            if batch < PURGE_BATCH {
                return Ok(removed);
            }
        }
    }

    pub(crate) fn list(
        &self,
        after: Option<NotificationId>,
        limit: usize,
    ) -> Result<Vec<Result<StoredNotification, UnreadableRecord>>, StoreError> {
        Ok(self
            .list_raw(after, limit)?
            .into_iter()
            .map(RawRecord::decode)
            .collect())
    }

    /// As [`Embedded::list`], the records undecoded (for a reader in another process).
    pub(crate) fn list_raw(
        &self,
        after: Option<NotificationId>,
        limit: usize,
    ) -> Result<Vec<RawRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let notifications = txn.open_table(NOTIFICATIONS).map_err(redb_error)?;
        let start = after.map_or(0, |id| id.0.saturating_add(1));
        let mut out = Vec::new();
        for entry in notifications
            .range(start..)
            .map_err(redb_error)?
            .take(limit)
        {
            let id = NotificationId(entry.map_err(redb_error)?.0.value());
            out.push(read_raw(&txn, id)?.ok_or(StoreError::NotFound(id))?);
        }
        Ok(out)
    }

    pub(crate) fn get(
        &self,
        id: NotificationId,
    ) -> Result<Option<Result<StoredNotification, UnreadableRecord>>, StoreError> {
        Ok(self.get_raw(id)?.map(RawRecord::decode))
    }

    /// As [`Embedded::get`], the record undecoded.
    pub(crate) fn get_raw(&self, id: NotificationId) -> Result<Option<RawRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        read_raw(&txn, id)
    }

    /// The file this store was opened from (`None` in memory).
    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub(crate) fn take_deliveries(
        &self,
        limit: usize,
        lock_for: Duration,
    ) -> Result<Vec<Result<Delivery, UnreadableRecord>>, StoreError> {
        let txn = self.db.begin_read()?;
        let outbox = txn.open_table(OUTBOX).map_err(redb_error)?;
        let now = Instant::now();
        let mut not_before = lock(&self.not_before);
        let mut out = Vec::new();
        for entry in outbox.iter().map_err(redb_error)? {
            if out.len() >= limit {
                break;
            }
            let id = entry.map_err(redb_error)?.0.value();
            if not_before.get(&id).is_some_and(|at| *at > now) {
                continue;
            }
            not_before.insert(id, now + lock_for);
            let Some(read) = read_notification(&txn, NotificationId(id))? else {
                continue;
            };
            out.push(read.map(|notification| Delivery {
                attempts: notification.delivery.as_ref().map_or(0, |d| d.attempts),
                notification,
            }));
        }
        Ok(out)
    }

    pub(crate) async fn report(
        &self,
        id: NotificationId,
        status: DeliveryStatus,
        error: Option<String>,
        retry_after: Duration,
    ) -> Result<(), StoreError> {
        self.write(move |txn| {
            let mut deliveries = txn.open_table(DELIVERIES).map_err(redb_error)?;
            let mut state = match deliveries.get(id.0).map_err(redb_error)? {
                Some(bytes) => serde_json::from_slice(bytes.value())
                    .unwrap_or_else(|_| DeliveryState::pending()),
                None => DeliveryState::pending(),
            };
            state.attempts = state.attempts.saturating_add(1);
            state.status = status;
            state.last_error = error;
            let json = serde_json::to_vec(&state).map_err(|e| unreadable(id, &e))?;
            deliveries
                .insert(id.0, json.as_slice())
                .map_err(redb_error)?;
            if status != DeliveryStatus::Pending {
                txn.open_table(OUTBOX)
                    .map_err(redb_error)?
                    .remove(id.0)
                    .map_err(redb_error)?;
            }
            Ok(())
        })
        .await?;
        let mut not_before = lock(&self.not_before);
        if status == DeliveryStatus::Pending {
            not_before.insert(id.0, Instant::now() + retry_after);
        } else {
            not_before.remove(&id.0);
        }
        Ok(())
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        // The writer finishes what is queued and stops once its queue is closed.
        self.writer = None;
        if let Some(thread) = self.writer_thread.take() {
            let _ = thread.join();
        }
    }
}

fn unreadable(id: NotificationId, e: &dyn std::fmt::Display) -> UnreadableRecord {
    UnreadableRecord {
        id,
        reason: e.to_string(),
    }
}

/// Stores a final answer with its notification and outbox entry (one job, one transaction).
fn store_answer(
    txn: &WriteTransaction,
    key: &ReplayKey,
    answer: Answer,
    forward: bool,
) -> Result<(), StoreError> {
    let parts = crate::key_parts(key);
    let claim_key = (parts.day, parts.partner, parts.external_id);
    let mut claims = txn.open_table(CLAIMS).map_err(redb_error)?;
    if claims.get(claim_key).map_err(redb_error)?.is_some() {
        return Ok(()); // answered before: an answer is final
    }
    let mut id = 0;
    if let Some(notification) = answer.notification {
        let mut notifications = txn.open_table(NOTIFICATIONS).map_err(redb_error)?;
        id = notifications
            .last()
            .map_err(redb_error)?
            .map_or(1, |(last, _)| last.value() + 1);
        let summary = Summary::of(notification.service, &notification.body);
        let json = encode_record(NotificationId(id), &notification, summary)?;
        notifications
            .insert(id, json.as_slice())
            .map_err(redb_error)?;
        txn.open_table(BODIES)
            .map_err(redb_error)?
            .insert(id, notification.body.as_ref())
            .map_err(redb_error)?;
        if forward {
            let state = serde_json::to_vec(&DeliveryState::pending())
                .map_err(|e| unreadable(NotificationId(id), &e))?;
            txn.open_table(DELIVERIES)
                .map_err(redb_error)?
                .insert(id, state.as_slice())
                .map_err(redb_error)?;
            txn.open_table(OUTBOX)
                .map_err(redb_error)?
                .insert(id, ())
                .map_err(redb_error)?;
        }
    }
    let encoded = encode_answer(&answer.fingerprint, &answer.response, id);
    claims
        .insert(claim_key, encoded.as_slice())
        .map_err(redb_error)?;
    Ok(())
}

/// A notification's `NOTIFICATIONS` value (its body goes to `BODIES`).
fn encode_record(
    id: NotificationId,
    notification: &Notification,
    summary: Summary,
) -> Result<Vec<u8>, UnreadableRecord> {
    let record = RecordJson {
        summary,
        service: notification.service,
        partner_id: notification.partner_id.clone(),
        endpoint: notification.endpoint.clone(),
        external_id: notification.external_id.clone(),
        jakarta_date: notification.jakarta_date.to_julian_day(),
        timestamp: notification.timestamp.clone(),
        channel_id: notification.channel_id.clone(),
        received_at: notification
            .received_at
            .format(&Rfc3339)
            .map_err(|e| unreadable(id, &e))?,
    };
    serde_json::to_vec(&record).map_err(|e| unreadable(id, &e))
}

fn encode_answer(fingerprint: &Fingerprint, response: &StoredResponse, id: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(42 + response.body.len());
    out.extend_from_slice(fingerprint.as_bytes());
    out.extend_from_slice(&response.status.to_be_bytes());
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&response.body);
    out
}

fn decode_answer(bytes: &[u8]) -> Option<(Fingerprint, StoredResponse, u64)> {
    let (fingerprint, rest) = bytes.split_first_chunk::<32>()?;
    let (status, rest) = rest.split_first_chunk::<2>()?;
    let (id, body) = rest.split_first_chunk::<8>()?;
    Some((
        Fingerprint::from_bytes(*fingerprint),
        StoredResponse {
            status: u16::from_be_bytes(*status),
            body: Bytes::copy_from_slice(body),
        },
        u64::from_be_bytes(*id),
    ))
}

fn read_notification(
    txn: &ReadTransaction,
    id: NotificationId,
) -> Result<Option<Result<StoredNotification, UnreadableRecord>>, StoreError> {
    Ok(read_raw(txn, id)?.map(RawRecord::decode))
}

fn read_raw(txn: &ReadTransaction, id: NotificationId) -> Result<Option<RawRecord>, StoreError> {
    let value = |table: TableDefinition<'_, u64, &[u8]>| -> Result<Option<Vec<u8>>, StoreError> {
        Ok(txn
            .open_table(table)
            .map_err(redb_error)?
            .get(id.0)
            .map_err(redb_error)?
            .map(|v| v.value().to_vec()))
    };
    let Some(json) = value(NOTIFICATIONS)? else {
        return Ok(None);
    };
    Ok(Some(RawRecord {
        id,
        json,
        body: value(BODIES)?,
        delivery: value(DELIVERIES)?,
    }))
}

/// A notification's values as the file holds them, not yet decoded: how a reader in another
/// process receives them, so it decodes them exactly as this process would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRecord {
    pub(crate) id: NotificationId,
    /// [`RecordJson`].
    pub(crate) json: Vec<u8>,
    pub(crate) body: Option<Vec<u8>>,
    /// [`DeliveryState`] as JSON, for a notification with an outbox entry.
    pub(crate) delivery: Option<Vec<u8>>,
}

impl RawRecord {
    pub(crate) fn decode(self) -> Result<StoredNotification, UnreadableRecord> {
        let id = self.id;
        let record: RecordJson =
            serde_json::from_slice(&self.json).map_err(|e| unreadable(id, &e))?;
        let body = Bytes::from(
            self.body
                .ok_or_else(|| unreadable(id, &"its body is missing"))?,
        );
        let received_at = OffsetDateTime::parse(&record.received_at, &Rfc3339)
            .map_err(|e| unreadable(id, &format!("receivedAt: {e}")))?;
        let jakarta_date = Date::from_julian_day(record.jakarta_date)
            .map_err(|e| unreadable(id, &format!("jakartaDate: {e}")))?;
        let delivery = self
            .delivery
            .map(|d| serde_json::from_slice::<DeliveryState>(&d))
            .transpose()
            .map_err(|e| unreadable(id, &format!("delivery state: {e}")))?;
        Ok(StoredNotification {
            id,
            notification: Notification {
                service: record.service,
                partner_id: record.partner_id,
                endpoint: record.endpoint,
                external_id: record.external_id,
                jakarta_date,
                timestamp: record.timestamp,
                channel_id: record.channel_id,
                received_at,
                body,
            },
            summary: record.summary,
            delivery,
        })
    }
}

fn write_loop(db: &Database, queue: &mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let txn = match db.begin_write() {
            Ok(txn) => txn,
            Err(e) => {
                // Dropping the jobs tells their callers the store is closed for them.
                drop(jobs);
                tracing::error!(error = %e, "cannot begin a store transaction");
                continue;
            }
        };
        let mut replies = Vec::with_capacity(jobs.len());
        let mut failed = None;
        for job in jobs {
            match job(&txn) {
                Ok(reply) => replies.push(reply),
                Err((message, reply)) => {
                    failed.get_or_insert(message);
                    replies.push(reply);
                }
            }
        }
        let outcome = match failed {
            // One job failed halfway: nothing of the group is stored, every caller hears why.
            Some(message) => {
                let _ = txn.abort();
                Err(message)
            }
            None => txn.commit().map_err(|e| e.to_string()),
        };
        if let Err(message) = &outcome {
            tracing::error!(error = %message, "a store transaction was not committed");
        }
        for reply in replies {
            reply(outcome.clone());
        }
    }
}
