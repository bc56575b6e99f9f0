//! The receiver's journal: every accepted notification, its replay record and its delivery state,
//! committed to a redb database before anything is acknowledged.
//!
//! Writes go through one writer thread that commits whatever has queued up while the previous
//! commit was being made durable (group commit): under load one fsync covers many notifications,
//! and a caller's future resolves only after the transaction holding its record has committed.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

/// Notifications by sequence number (JSON-encoded [`Record`]).
const NOTIFICATIONS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("notifications");
/// Raw bodies exactly as received, by sequence number.
const BODIES: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("bodies");
/// Sequence number by replay key (`partner|external id|Jakarta date`): a notification is stored once.
const KEYS: TableDefinition<'_, &str, u64> = TableDefinition::new("keys");
/// Final responses by replay key, so an identical retry after a restart gets the original answer.
const REPLAYS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("replays");
/// Delivery state by sequence number (only when forwarding).
const DELIVERIES: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("deliveries");

/// How many queued operations one transaction takes at most.
const MAX_GROUP: usize = 4096;

/// A journal failure: the notification is not acknowledged.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JournalError {
    /// The database failed.
    #[error("journal database: {0}")]
    Database(Box<redb::Error>),
    /// A stored record could not be decoded.
    #[error("journal record {0}: {1}")]
    Corrupt(u64, serde_json::Error),
    /// The group holding this write failed to commit; nothing of it was stored.
    #[error("journal commit failed: {0}")]
    Commit(String),
    /// Another process (a running receiver) has the journal open.
    #[error("the journal is open in another process")]
    InUse,
    /// The file is a journal in an older redb file format (v2 for builds with redb 2), which this
    /// build cannot read. Nothing in it was read or changed.
    #[error(
        "the journal is in redb file format v{0}, written by an earlier snapbi build; this snapbi \
         reads only the current format, and nothing in the file was read or changed. Export its \
         notifications with the snapbi that wrote it (`snapbi inbox export`), then move the file \
         aside to start a new journal"
    )]
    OldFormat(u8),
    /// The writer thread is gone (the receiver is shutting down).
    #[error("the journal is closed")]
    Closed,
}

fn db_error(e: impl Into<redb::Error>) -> JournalError {
    JournalError::Database(Box::new(e.into()))
}

fn open_error(e: redb::DatabaseError) -> JournalError {
    match e {
        redb::DatabaseError::UpgradeRequired(version) => JournalError::OldFormat(version),
        redb::DatabaseError::DatabaseAlreadyOpen => JournalError::InUse,
        e => db_error(e),
    }
}

/// What the journal keeps of one notification besides its body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Record {
    /// Sequence number, assigned on commit (0 before).
    pub(crate) id: u64,
    /// SNAP service code (`25`, `52`, `56`).
    pub(crate) service: String,
    /// The verified partner (X-PARTNER-ID).
    pub(crate) partner: String,
    /// X-EXTERNAL-ID.
    pub(crate) external_id: String,
    /// The replay key: partner, external id and Asia/Jakarta date.
    pub(crate) key: String,
    /// When the receiver accepted it (RFC 3339).
    pub(crate) received_at: String,
    /// Lower-case hex SHA-256 of the raw body.
    pub(crate) body_sha256: String,
    /// The typed summary (amounts, ids, status) as JSON.
    pub(crate) summary: serde_json::Value,
}

/// The outcome of [`Journal::accept`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accepted {
    /// Stored now under this sequence number.
    New(u64),
    /// The same replay key was stored before; `same_body` says whether the body hash matches.
    Duplicate { id: u64, same_body: bool },
}

/// Delivery state of a stored notification when forwarding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Delivery {
    /// Attempts so far.
    pub(crate) attempts: u32,
    /// Whether the target answered 2xx.
    pub(crate) delivered: bool,
    /// The last failure, if any.
    pub(crate) last_error: Option<String>,
}

enum Op {
    Accept(
        Record,
        Vec<u8>,
        bool,
        oneshot::Sender<Result<Accepted, JournalError>>,
    ),
    PutReplay(String, Vec<u8>, oneshot::Sender<Result<(), JournalError>>),
    SetDelivery(u64, Delivery, oneshot::Sender<Result<(), JournalError>>),
}

/// The journal. Cheap to clone; the writer thread stops when the last clone is dropped.
#[derive(Clone)]
pub(crate) struct Journal {
    db: Arc<Database>,
    writer: mpsc::Sender<Op>,
    commits: Arc<AtomicU64>,
}

impl Journal {
    /// Opens (or creates, in the current file format) the journal file; a journal in an older
    /// format is [`JournalError::OldFormat`], never replaced.
    pub(crate) fn open(path: &Path) -> Result<Self, JournalError> {
        Self::start(Database::create(path).map_err(open_error)?)
    }

    /// Opens an existing journal; [`JournalError::InUse`] when a running receiver holds it,
    /// [`JournalError::OldFormat`] when an older build wrote it.
    pub(crate) fn open_existing(path: &Path) -> Result<Self, JournalError> {
        Self::start(Database::open(path).map_err(open_error)?)
    }

    /// A journal held in memory only: the same code path without the disk, for comparison.
    pub(crate) fn in_memory() -> Result<Self, JournalError> {
        let backend = redb::backends::InMemoryBackend::new();
        Self::start(
            Database::builder()
                .create_with_backend(backend)
                .map_err(db_error)?,
        )
    }

    fn start(db: Database) -> Result<Self, JournalError> {
        let txn = db.begin_write().map_err(db_error)?;
        let next_id = {
            for table in [NOTIFICATIONS, BODIES, DELIVERIES] {
                txn.open_table(table).map_err(db_error)?;
            }
            txn.open_table(KEYS).map_err(db_error)?;
            txn.open_table(REPLAYS).map_err(db_error)?;
            let notifications = txn.open_table(NOTIFICATIONS).map_err(db_error)?;
            let last = notifications.last().map_err(db_error)?;
            last.map_or(1, |(k, _)| k.value() + 1)
        };
        txn.commit().map_err(db_error)?;
        let db = Arc::new(db);
        let (writer, queue) = mpsc::channel();
        let commits = Arc::new(AtomicU64::new(0));
        let (thread_db, thread_commits) = (Arc::clone(&db), Arc::clone(&commits));
        std::thread::Builder::new()
            .name("snap-journal".into())
            .spawn(move || write_loop(&thread_db, &queue, next_id, &thread_commits))
            .map_err(|_| JournalError::Closed)?;
        Ok(Self {
            db,
            writer,
            commits,
        })
    }

    /// How many transactions have committed since the journal was opened (one per group).
    pub(crate) fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Stores a notification and its raw body durably, once per replay key. With `deliver`, the
    /// notification is also queued for forwarding in the same transaction.
    pub(crate) async fn accept(
        &self,
        record: Record,
        body: Vec<u8>,
        deliver: bool,
    ) -> Result<Accepted, JournalError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(Op::Accept(record, body, deliver, reply))
            .map_err(|_| JournalError::Closed)?;
        answer.await.map_err(|_| JournalError::Closed)?
    }

    /// Stores the final response for a replay key.
    pub(crate) async fn put_replay(
        &self,
        key: String,
        response: Vec<u8>,
    ) -> Result<(), JournalError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(Op::PutReplay(key, response, reply))
            .map_err(|_| JournalError::Closed)?;
        answer.await.map_err(|_| JournalError::Closed)?
    }

    /// Records a delivery attempt.
    pub(crate) async fn set_delivery(
        &self,
        id: u64,
        delivery: Delivery,
    ) -> Result<(), JournalError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(Op::SetDelivery(id, delivery, reply))
            .map_err(|_| JournalError::Closed)?;
        answer.await.map_err(|_| JournalError::Closed)?
    }

    /// The stored final response for a replay key.
    pub(crate) fn replay(&self, key: &str) -> Result<Option<Vec<u8>>, JournalError> {
        let txn = self.db.begin_read().map_err(db_error)?;
        let table = txn.open_table(REPLAYS).map_err(db_error)?;
        Ok(table
            .get(key)
            .map_err(db_error)?
            .map(|v| v.value().to_vec()))
    }

    /// Every stored notification in order, with its delivery state.
    pub(crate) fn list(&self) -> Result<Vec<(Record, Option<Delivery>)>, JournalError> {
        let txn = self.db.begin_read().map_err(db_error)?;
        let notifications = txn.open_table(NOTIFICATIONS).map_err(db_error)?;
        let deliveries = txn.open_table(DELIVERIES).map_err(db_error)?;
        let mut out = Vec::with_capacity(
            usize::try_from(notifications.len().map_err(db_error)?).unwrap_or(0),
        );
        for entry in notifications.iter().map_err(db_error)? {
            let (id, bytes) = entry.map_err(db_error)?;
            let id = id.value();
            let record =
                serde_json::from_slice(bytes.value()).map_err(|e| JournalError::Corrupt(id, e))?;
            let delivery = match deliveries.get(id).map_err(db_error)? {
                Some(d) => Some(
                    serde_json::from_slice(d.value()).map_err(|e| JournalError::Corrupt(id, e))?,
                ),
                None => None,
            };
            out.push((record, delivery));
        }
        Ok(out)
    }

    /// One notification with its raw body.
    pub(crate) fn get(&self, id: u64) -> Result<Option<(Record, Vec<u8>)>, JournalError> {
        let txn = self.db.begin_read().map_err(db_error)?;
        let notifications = txn.open_table(NOTIFICATIONS).map_err(db_error)?;
        let bodies = txn.open_table(BODIES).map_err(db_error)?;
        let Some(bytes) = notifications.get(id).map_err(db_error)? else {
            return Ok(None);
        };
        let record =
            serde_json::from_slice(bytes.value()).map_err(|e| JournalError::Corrupt(id, e))?;
        let body = bodies
            .get(id)
            .map_err(db_error)?
            .map(|b| b.value().to_vec())
            .unwrap_or_default();
        Ok(Some((record, body)))
    }

    /// Notifications still to be forwarded, oldest first.
    pub(crate) fn undelivered(&self) -> Result<Vec<(u64, Delivery)>, JournalError> {
        let txn = self.db.begin_read().map_err(db_error)?;
        let deliveries = txn.open_table(DELIVERIES).map_err(db_error)?;
        let mut out = Vec::new();
        for entry in deliveries.iter().map_err(db_error)? {
            let (id, bytes) = entry.map_err(db_error)?;
            let id = id.value();
            let delivery: Delivery =
                serde_json::from_slice(bytes.value()).map_err(|e| JournalError::Corrupt(id, e))?;
            if !delivery.delivered {
                out.push((id, delivery));
            }
        }
        Ok(out)
    }
}

/// A caller waiting for its group to commit.
enum Waiter {
    Accept(oneshot::Sender<Result<Accepted, JournalError>>),
    Done(oneshot::Sender<Result<(), JournalError>>),
}

/// The data of one queued operation.
enum Work {
    Accept(Record, Vec<u8>, bool),
    PutReplay(String, Vec<u8>),
    SetDelivery(u64, Delivery),
}

fn write_loop(db: &Database, queue: &mpsc::Receiver<Op>, mut next_id: u64, commits: &AtomicU64) {
    while let Ok(first) = queue.recv() {
        let mut work = Vec::new();
        let mut waiters = Vec::new();
        let mut push = |op| {
            let (w, waiter) = match op {
                Op::Accept(record, body, deliver, tx) => {
                    (Work::Accept(record, body, deliver), Waiter::Accept(tx))
                }
                Op::PutReplay(key, response, tx) => {
                    (Work::PutReplay(key, response), Waiter::Done(tx))
                }
                Op::SetDelivery(id, state, tx) => (Work::SetDelivery(id, state), Waiter::Done(tx)),
            };
            work.push(w);
            waiters.push(waiter);
        };
        push(first);
        for _ in 1..MAX_GROUP {
            match queue.try_recv() {
                Ok(op) => push(op),
                Err(_) => break,
            }
        }
        let mut id = next_id;
        // Callers that went away (a client disconnected) need no answer: send errors are ignored.
        match commit_group(db, work, &mut id) {
            Ok(outcomes) => {
                next_id = id;
                commits.fetch_add(1, Ordering::Relaxed);
                for (waiter, outcome) in waiters.into_iter().zip(outcomes) {
                    match (waiter, outcome) {
                        (Waiter::Accept(tx), Some(accepted)) => drop(tx.send(Ok(accepted))),
                        (Waiter::Accept(tx), None) => drop(tx.send(Err(JournalError::Closed))),
                        (Waiter::Done(tx), _) => drop(tx.send(Ok(()))),
                    }
                }
            }
            Err(message) => {
                for waiter in waiters {
                    match waiter {
                        Waiter::Accept(tx) => {
                            drop(tx.send(Err(JournalError::Commit(message.clone()))))
                        }
                        Waiter::Done(tx) => {
                            drop(tx.send(Err(JournalError::Commit(message.clone()))))
                        }
                    }
                }
            }
        }
    }
}

/// Applies a group in one write transaction; one outcome per work item (`Some` for accepts).
/// On failure nothing of the group is stored.
fn commit_group(
    db: &Database,
    work: Vec<Work>,
    next_id: &mut u64,
) -> Result<Vec<Option<Accepted>>, String> {
    let apply = || -> Result<Vec<Option<Accepted>>, JournalError> {
        let txn = db.begin_write().map_err(db_error)?;
        let mut outcomes = Vec::with_capacity(work.len());
        {
            let mut notifications = txn.open_table(NOTIFICATIONS).map_err(db_error)?;
            let mut bodies = txn.open_table(BODIES).map_err(db_error)?;
            let mut keys = txn.open_table(KEYS).map_err(db_error)?;
            let mut replays = txn.open_table(REPLAYS).map_err(db_error)?;
            let mut deliveries = txn.open_table(DELIVERIES).map_err(db_error)?;
            for item in work {
                match item {
                    Work::Accept(mut record, body, deliver) => {
                        let existing = keys
                            .get(record.key.as_str())
                            .map_err(db_error)?
                            .map(|v| v.value());
                        if let Some(id) = existing {
                            let same_body = match notifications.get(id).map_err(db_error)? {
                                Some(bytes) => serde_json::from_slice::<Record>(bytes.value())
                                    .map(|stored| stored.body_sha256 == record.body_sha256)
                                    .map_err(|e| JournalError::Corrupt(id, e))?,
                                None => false,
                            };
                            outcomes.push(Some(Accepted::Duplicate { id, same_body }));
                            continue;
                        }
                        let id = *next_id;
                        *next_id += 1;
                        record.id = id;
                        let encoded = serde_json::to_vec(&record)
                            .map_err(|e| JournalError::Corrupt(id, e))?;
                        notifications
                            .insert(id, encoded.as_slice())
                            .map_err(db_error)?;
                        bodies.insert(id, body.as_slice()).map_err(db_error)?;
                        keys.insert(record.key.as_str(), id).map_err(db_error)?;
                        if deliver {
                            let state = Delivery {
                                attempts: 0,
                                delivered: false,
                                last_error: None,
                            };
                            let encoded = serde_json::to_vec(&state)
                                .map_err(|e| JournalError::Corrupt(id, e))?;
                            deliveries
                                .insert(id, encoded.as_slice())
                                .map_err(db_error)?;
                        }
                        outcomes.push(Some(Accepted::New(id)));
                    }
                    Work::PutReplay(key, response) => {
                        replays
                            .insert(key.as_str(), response.as_slice())
                            .map_err(db_error)?;
                        outcomes.push(None);
                    }
                    Work::SetDelivery(id, state) => {
                        let encoded =
                            serde_json::to_vec(&state).map_err(|e| JournalError::Corrupt(id, e))?;
                        deliveries
                            .insert(id, encoded.as_slice())
                            .map_err(db_error)?;
                        outcomes.push(None);
                    }
                }
            }
        }
        txn.commit().map_err(db_error)?;
        Ok(outcomes)
    };
    apply().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn record(key: &str, hash: &str) -> Record {
        Record {
            id: 0,
            service: "25".into(),
            partner: "QoinSnap".into(),
            external_id: key.into(),
            key: format!("QoinSnap|{key}|2024-08-23"),
            received_at: "2024-08-23T07:44:11+07:00".into(),
            body_sha256: hash.into(),
            summary: serde_json::json!({"trxId": key}),
        }
    }

    #[tokio::test]
    async fn stores_once_per_key_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.redb");
        {
            let journal = Journal::open(&path).unwrap();
            assert_eq!(
                journal
                    .accept(record("1", "aa"), b"{}".to_vec(), true)
                    .await
                    .unwrap(),
                Accepted::New(1)
            );
            assert_eq!(
                journal
                    .accept(record("2", "bb"), b"[]".to_vec(), false)
                    .await
                    .unwrap(),
                Accepted::New(2)
            );
            let again = journal
                .accept(record("1", "aa"), b"{}".to_vec(), true)
                .await
                .unwrap();
            assert_eq!(
                again,
                Accepted::Duplicate {
                    id: 1,
                    same_body: true
                }
            );
            let other = journal
                .accept(record("1", "cc"), b"{ }".to_vec(), true)
                .await
                .unwrap();
            assert_eq!(
                other,
                Accepted::Duplicate {
                    id: 1,
                    same_body: false
                }
            );
            journal
                .put_replay("QoinSnap|1|2024-08-23".into(), b"resp".to_vec())
                .await
                .unwrap();
        }
        // The writer thread holds the database until it has seen the last sender go.
        let journal = loop {
            match Journal::open(&path) {
                Ok(j) => break j,
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            }
        };
        let list = journal.list().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].0.id, 1);
        assert_eq!(list[0].1.as_ref().map(|d| d.delivered), Some(false));
        assert_eq!(list[1].1, None);
        assert_eq!(journal.get(2).unwrap().unwrap().1, b"[]");
        assert_eq!(
            journal.replay("QoinSnap|1|2024-08-23").unwrap().unwrap(),
            b"resp"
        );
        assert_eq!(journal.undelivered().unwrap().len(), 1);
        assert_eq!(
            journal
                .accept(record("3", "dd"), Vec::new(), false)
                .await
                .unwrap(),
            Accepted::New(3)
        );
        journal
            .set_delivery(
                1,
                Delivery {
                    attempts: 1,
                    delivered: true,
                    last_error: None,
                },
            )
            .await
            .unwrap();
        assert!(journal.undelivered().unwrap().is_empty());
    }

    /// fixtures/journal/redb2-journal.redb.gz: a journal written with redb 2.6 (file format v2),
    /// as builds before the redb 5 upgrade wrote it (fixtures/README.md says how it was made).
    fn old_format_journal(dir: &Path) -> std::path::PathBuf {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/journal/redb2-journal.redb.gz");
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(std::fs::File::open(fixture).unwrap()),
            &mut bytes,
        )
        .unwrap();
        let path = dir.join("journal.redb");
        std::fs::write(&path, &bytes).unwrap();
        path
    }

    #[test]
    fn an_old_format_journal_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = old_format_journal(dir.path());
        let before = std::fs::read(&path).unwrap();
        assert!(before.starts_with(b"redb"), "the fixture is a redb file");
        for opened in [Journal::open(&path), Journal::open_existing(&path)] {
            let Err(error) = opened else {
                panic!("a redb v2 journal opened");
            };
            assert!(matches!(error, JournalError::OldFormat(2)), "{error:?}");
            let message = error.to_string();
            assert!(
                message.contains("redb file format v2") && message.contains("snapbi inbox export"),
                "{message}"
            );
        }
        assert!(
            std::fs::read(&path).unwrap() == before,
            "the old journal was changed"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_accepts_are_grouped_and_numbered_once() {
        let journal = Journal::in_memory().unwrap();
        let tasks: Vec<_> = (0..500)
            .map(|i| {
                let journal = journal.clone();
                tokio::spawn(async move {
                    journal
                        .accept(record(&(i % 250).to_string(), "h"), Vec::new(), false)
                        .await
                })
            })
            .collect();
        let mut new = Vec::new();
        for task in tasks {
            if let Accepted::New(id) = task.await.unwrap().unwrap() {
                new.push(id);
            }
        }
        new.sort_unstable();
        assert_eq!(new, (1..=250).collect::<Vec<u64>>());
        assert!(
            journal.commits() < 500,
            "{} commits for 500 accepts",
            journal.commits()
        );
    }
}
