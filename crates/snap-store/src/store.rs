//! [`NotificationStore`]: the replay store and the notification record in one object.

use std::time::Duration;

use snap_http::{
    BoxFuture, Claim, Fingerprint, ReceivedRequest, ReplayKey, ReplayStore, StoredResponse,
};

#[cfg(feature = "redb")]
use crate::embedded::Embedded;
#[cfg(feature = "postgres")]
use crate::postgres::Shared;
#[cfg(all(feature = "redb", unix))]
use crate::read_socket::Reader;
use crate::{
    Answer, ClaimCutoff, DEFAULT_LEASE, Delivery, DeliveryStatus, Notification, NotificationId,
    StoreError, StoreLocation, StoredNotification, UnreadableRecord,
};

/// Durable notifications and their replay claims: one object backs snap-http's idempotency
/// ([`ReplayStore`]) and keeps every accepted notification, its answer and its outbox entry,
/// written in one transaction.
///
/// A claim is taken on (partner, endpoint, `X-EXTERNAL-ID`, Asia/Jakarta date) with the request's
/// fingerprint; when the handler has answered, [`NotificationStore::record`] (called by the
/// server's `complete`) stores the answer together with the notification, so no crash can leave a
/// notification without its answer or an answer without its notification. An identical retry gets
/// the stored answer, another body under the same key is a conflict.
pub struct NotificationStore {
    backend: Backend,
    lease: Duration,
    outbox: bool,
}

enum Backend {
    #[cfg(feature = "redb")]
    Embedded(Embedded),
    /// An embedded store read through the socket of the process that writes it.
    #[cfg(all(feature = "redb", unix))]
    Reader(Reader),
    #[cfg(feature = "postgres")]
    Postgres(Shared),
}

impl std::fmt::Debug for NotificationStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match &self.backend {
            #[cfg(feature = "redb")]
            Backend::Embedded(_) => "redb",
            #[cfg(all(feature = "redb", unix))]
            Backend::Reader(_) => "redb, read through its writer's socket",
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => "postgres",
        };
        f.debug_struct("NotificationStore")
            .field("backend", &backend)
            .field("lease", &self.lease)
            .field("outbox", &self.outbox)
            .finish()
    }
}

impl NotificationStore {
    fn with_backend(backend: Backend) -> Self {
        Self {
            backend,
            lease: DEFAULT_LEASE,
            outbox: false,
        }
    }

    /// Opens (or creates) a redb file. One process has it open at a time (readers included:
    /// redb would otherwise need two fsyncs per commit); other processes read it through this
    /// one's [`NotificationStore::serve_readers`].
    ///
    /// # Errors
    /// [`StoreError::InUse`] when another process writes the file; [`StoreError::Redb`] when it
    /// cannot be opened or created.
    #[cfg(feature = "redb")]
    pub fn open_redb(path: impl AsRef<std::path::Path>) -> Result<Self, StoreError> {
        Embedded::open(path.as_ref()).map(|b| Self::with_backend(Backend::Embedded(b)))
    }

    /// Opens a redb file for reading only (several readers may share it).
    ///
    /// # Errors
    /// [`StoreError::InUse`] while a receiver has it open for writing; [`StoreError::Redb`] when
    /// the file is absent or not a store.
    #[cfg(feature = "redb")]
    pub fn open_redb_read_only(path: impl AsRef<std::path::Path>) -> Result<Self, StoreError> {
        Embedded::open_read_only(path.as_ref()).map(|b| Self::with_backend(Backend::Embedded(b)))
    }

    /// A redb store held in memory only: nothing survives the process. For tests and for
    /// benchmarks that measure the cost of durability.
    ///
    /// # Errors
    /// [`StoreError::Redb`] if redb cannot set up its in-memory backend.
    #[cfg(feature = "redb")]
    pub fn in_memory() -> Result<Self, StoreError> {
        Embedded::in_memory().map(|b| Self::with_backend(Backend::Embedded(b)))
    }

    /// A store over your own PostgreSQL pool. It creates or upgrades its tables first
    /// ([`SCHEMA_SQL`](crate::SCHEMA_SQL), idempotent, under an advisory lock so instances
    /// starting together do not race); pass `apply_schema = false` when your migrations apply it.
    ///
    /// # Errors
    /// [`StoreError::Pool`] / [`StoreError::Postgres`] when the database cannot be reached or the
    /// schema cannot be applied.
    #[cfg(feature = "postgres")]
    pub async fn postgres(pool: crate::PgPool, apply_schema: bool) -> Result<Self, StoreError> {
        Shared::new(pool, apply_schema)
            .await
            .map(|b| Self::with_backend(Backend::Postgres(b)))
    }

    /// Opens the store at `location`: a redb file (created when absent), or a PostgreSQL URL
    /// (a pool of `connections` made for it, the schema applied).
    ///
    /// # Errors
    /// [`StoreError::Location`] for a PostgreSQL URL in a build without the `postgres` feature,
    /// else as [`NotificationStore::open_redb`] / [`NotificationStore::postgres`].
    pub async fn open(location: &StoreLocation, connections: usize) -> Result<Self, StoreError> {
        let _ = connections;
        match location {
            #[cfg(feature = "redb")]
            StoreLocation::Redb(path) => Self::open_redb(path),
            #[cfg(feature = "postgres")]
            StoreLocation::Postgres(url) => {
                Self::postgres(crate::postgres::pool(url, connections)?, true).await
            }
            #[allow(unreachable_patterns)]
            other => Err(StoreError::Location(format!(
                "{other}: this build of snap-store lacks the feature for it"
            ))),
        }
    }

    /// Opens the store at `location` to read it: a redb file read-only, or, while another process
    /// writes it, through that process's read socket (see
    /// [`NotificationStore::serve_readers`]); a PostgreSQL database through one connection,
    /// without touching its schema. A store opened this way only lists and gets notifications.
    ///
    /// # Errors
    /// As [`NotificationStore::open`]; [`StoreError::NoReadSocket`] when a redb file is in use
    /// and its writer serves no read socket.
    pub async fn open_for_reading(location: &StoreLocation) -> Result<Self, StoreError> {
        match location {
            #[cfg(feature = "redb")]
            StoreLocation::Redb(path) => match Self::open_redb_read_only(path) {
                #[cfg(unix)]
                Err(StoreError::InUse) => Reader::connect(path)
                    .await
                    .map(|reader| Self::with_backend(Backend::Reader(reader)))
                    .map_err(|e| StoreError::NoReadSocket(e.to_string())),
                opened => opened,
            },
            #[cfg(feature = "postgres")]
            StoreLocation::Postgres(url) => {
                Self::postgres(crate::postgres::pool(url, 1)?, false).await
            }
            #[allow(unreachable_patterns)]
            other => Err(StoreError::Location(format!(
                "{other}: this build of snap-store lacks the feature for it"
            ))),
        }
    }

    /// Lets other processes of this user read this embedded store while it is open here (redb
    /// keeps a file to one process): serves [`NotificationStore::list`] and
    /// [`NotificationStore::get`] on a Unix socket beside the file (`FILE.sock`, mode 0600), which
    /// [`NotificationStore::open_for_reading`] uses when the file is in use. Reads run in read
    /// transactions of their own and never hold up the writer. Serves until the returned handle is
    /// dropped; `None` for stores other processes can read anyway (PostgreSQL) or never could
    /// (in memory). Must be called within a tokio runtime.
    ///
    /// # Errors
    /// [`StoreError::ReadSocket`] when the socket cannot be made (a path too long for a Unix
    /// socket, a directory that cannot be written).
    #[cfg(all(feature = "redb", unix))]
    pub fn serve_readers(
        self: &std::sync::Arc<Self>,
    ) -> Result<Option<crate::ReadSocket>, StoreError> {
        let Some(file) = self.embedded().and_then(Embedded::path) else {
            return Ok(None);
        };
        let file = file.to_owned();
        crate::read_socket::serve(self, &file).map(Some)
    }

    /// The embedded store this one writes, if it does.
    #[cfg(all(feature = "redb", unix))]
    pub(crate) fn embedded(&self) -> Option<&Embedded> {
        match &self.backend {
            Backend::Embedded(b) => Some(b),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Sets how long an in-progress claim holds its key in a shared store (default
    /// [`DEFAULT_LEASE`]). The embedded store keeps in-progress claims in memory and needs none.
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Whether each accepted notification also gets an outbox entry, for
    /// [`NotificationStore::take_deliveries`] (default: no).
    #[must_use]
    pub fn with_outbox(mut self, outbox: bool) -> Self {
        self.outbox = outbox;
        self
    }

    /// The lease of in-progress claims.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// Stores the final answer of the claimed `request.key` and, when the notification was
    /// accepted (a 2xx answer), the notification with its typed summary and outbox entry: one
    /// transaction. An answer already stored for the key is kept (answers are final). This is
    /// what the server's [`ReplayStore::complete`] does.
    ///
    /// # Errors
    /// A [`StoreError`] when nothing was stored: the caller must not acknowledge.
    pub async fn record(
        &self,
        request: &ReceivedRequest,
        response: StoredResponse,
    ) -> Result<(), StoreError> {
        let accepted = (200..300).contains(&response.status);
        let answer = Answer {
            fingerprint: request.fingerprint,
            notification: accepted.then(|| Notification::from(request)),
            response,
        };
        let key = &request.key;
        match &self.backend {
            #[cfg(feature = "redb")]
            Backend::Embedded(b) => b.complete(key, answer, self.outbox).await,
            #[cfg(all(feature = "redb", unix))]
            Backend::Reader(_) => Err(StoreError::ReadOnly),
            #[cfg(feature = "postgres")]
            Backend::Postgres(b) => b.complete(key, answer, self.outbox).await,
        }
    }

    /// Removes the answered claims of Asia/Jakarta dates before `cutoff` and returns how many
    /// went. No request can match them any more (a new request claims the server's today), so
    /// their retries are unaffected; the stored notifications and the outbox are kept. A claim
    /// still in progress stays until it is answered (or, in PostgreSQL, until its lease ran out).
    /// Call it with [`ClaimCutoff::at`] and the server's clock, once a day or more often
    /// (`snapbi receive` does at start and hourly); several instances may run it at once.
    ///
    /// # Errors
    /// A [`StoreError`] when nothing could be removed (a read-only store, a database error); a
    /// purge of many claims in the embedded store removes them in batches, and the batches
    /// committed before an error stay removed.
    pub async fn purge_claims(&self, cutoff: ClaimCutoff) -> Result<u64, StoreError> {
        match &self.backend {
            #[cfg(feature = "redb")]
            Backend::Embedded(b) => b.purge_claims(cutoff).await,
            #[cfg(all(feature = "redb", unix))]
            Backend::Reader(_) => Err(StoreError::ReadOnly),
            #[cfg(feature = "postgres")]
            Backend::Postgres(b) => b.purge_claims(cutoff).await,
        }
    }

    /// Up to `limit` stored notifications after `after` (from the first when `None`), oldest
    /// first. A record that cannot be decoded is returned as such: one bad record never hides
    /// the others.
    ///
    /// # Errors
    /// A [`StoreError`] when the store cannot be read at all.
    pub async fn list(
        &self,
        after: Option<NotificationId>,
        limit: usize,
    ) -> Result<Vec<Result<StoredNotification, UnreadableRecord>>, StoreError> {
        match &self.backend {
            #[cfg(feature = "redb")]
            Backend::Embedded(b) => b.list(after, limit),
            #[cfg(all(feature = "redb", unix))]
            Backend::Reader(b) => b.list(after, limit).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(b) => b.list(after, limit).await,
        }
    }

    /// One stored notification, `None` when there is none with this id.
    ///
    /// # Errors
    /// A [`StoreError`] when the store cannot be read.
    pub async fn get(
        &self,
        id: NotificationId,
    ) -> Result<Option<Result<StoredNotification, UnreadableRecord>>, StoreError> {
        match &self.backend {
            #[cfg(feature = "redb")]
            Backend::Embedded(b) => b.get(id),
            #[cfg(all(feature = "redb", unix))]
            Backend::Reader(b) => b.get(id).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(b) => b.get(id).await,
        }
    }

    /// Takes up to `limit` due outbox entries, oldest first, and locks them for `lock_for`: no other
    /// taker (in this or another instance) gets them until they are reported
    /// ([`NotificationStore::delivered`], [`NotificationStore::retry_later`],
    /// [`NotificationStore::abandon`]) or the lock runs out. An entry whose notification cannot
    /// be decoded comes back as [`UnreadableRecord`]: abandon it with the reason.
    ///
    /// # Errors
    /// A [`StoreError`] when the store cannot be read.
    pub async fn take_deliveries(
        &self,
        limit: usize,
        lock_for: Duration,
    ) -> Result<Vec<Result<Delivery, UnreadableRecord>>, StoreError> {
        match &self.backend {
            #[cfg(feature = "redb")]
            Backend::Embedded(b) => b.take_deliveries(limit, lock_for),
            #[cfg(all(feature = "redb", unix))]
            Backend::Reader(_) => Err(StoreError::ReadOnly),
            #[cfg(feature = "postgres")]
            Backend::Postgres(b) => b.take_deliveries(limit, lock_for).await,
        }
    }

    /// Marks a taken delivery done (the target answered 2xx).
    ///
    /// # Errors
    /// A [`StoreError`] when the state could not be stored (the entry will be offered again).
    pub async fn delivered(&self, id: NotificationId) -> Result<(), StoreError> {
        self.report(id, DeliveryStatus::Delivered, None, Duration::ZERO)
            .await
    }

    /// Records a failed attempt; the entry is offered again after `after`.
    ///
    /// # Errors
    /// A [`StoreError`] when the state could not be stored.
    pub async fn retry_later(
        &self,
        id: NotificationId,
        error: &str,
        after: Duration,
    ) -> Result<(), StoreError> {
        self.report(id, DeliveryStatus::Pending, Some(error.to_owned()), after)
            .await
    }

    /// Gives up on an entry that can never be sent, keeping `reason` in its state.
    ///
    /// # Errors
    /// A [`StoreError`] when the state could not be stored.
    pub async fn abandon(&self, id: NotificationId, reason: &str) -> Result<(), StoreError> {
        self.report(
            id,
            DeliveryStatus::Abandoned,
            Some(reason.to_owned()),
            Duration::ZERO,
        )
        .await
    }

    async fn report(
        &self,
        id: NotificationId,
        status: DeliveryStatus,
        error: Option<String>,
        after: Duration,
    ) -> Result<(), StoreError> {
        match &self.backend {
            #[cfg(feature = "redb")]
            Backend::Embedded(b) => b.report(id, status, error, after).await,
            #[cfg(all(feature = "redb", unix))]
            Backend::Reader(_) => Err(StoreError::ReadOnly),
            #[cfg(feature = "postgres")]
            Backend::Postgres(b) => b.report(id, status, error, after).await,
        }
    }
}

impl ReplayStore for NotificationStore {
    fn claim<'a>(
        &'a self,
        key: &'a ReplayKey,
        fingerprint: Fingerprint,
    ) -> BoxFuture<'a, Result<Claim, snap_http::Error>> {
        Box::pin(async move {
            match &self.backend {
                #[cfg(feature = "redb")]
                Backend::Embedded(b) => b.claim(key, fingerprint),
                #[cfg(all(feature = "redb", unix))]
                Backend::Reader(_) => Err(StoreError::ReadOnly),
                #[cfg(feature = "postgres")]
                Backend::Postgres(b) => b.claim(key, fingerprint, self.lease).await,
            }
            .map_err(Into::into)
        })
    }

    fn complete<'a>(
        &'a self,
        request: &'a ReceivedRequest,
        response: StoredResponse,
    ) -> BoxFuture<'a, Result<(), snap_http::Error>> {
        Box::pin(async move { self.record(request, response).await.map_err(Into::into) })
    }

    fn release<'a>(&'a self, key: &'a ReplayKey) -> BoxFuture<'a, Result<(), snap_http::Error>> {
        Box::pin(async move {
            match &self.backend {
                #[cfg(feature = "redb")]
                Backend::Embedded(b) => {
                    b.release(key);
                    Ok(())
                }
                #[cfg(all(feature = "redb", unix))]
                Backend::Reader(_) => Err(StoreError::ReadOnly.into()),
                #[cfg(feature = "postgres")]
                Backend::Postgres(b) => b.release(key).await.map_err(Into::into),
            }
        })
    }

    fn wait<'a>(&'a self, key: &'a ReplayKey) -> BoxFuture<'a, ()> {
        match &self.backend {
            #[cfg(feature = "redb")]
            Backend::Embedded(b) => Box::pin(b.wait(key)),
            #[cfg(all(feature = "redb", unix))]
            Backend::Reader(_) => Box::pin(std::future::ready(())),
            // Short polling: the answer may come from another instance.
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => {
                let _ = key;
                Box::pin(tokio::time::sleep(crate::postgres::POLL))
            }
        }
    }
}
