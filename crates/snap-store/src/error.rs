//! The store's error type.

use crate::NotificationId;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The embedded database failed.
    #[cfg(feature = "redb")]
    #[error("redb: {0}")]
    Redb(#[from] Box<redb::Error>),
    /// The embedded database file is open in another process (a running receiver): one process
    /// at a time.
    #[cfg(feature = "redb")]
    #[error(
        "the store file is open in another process (a running receiver): an embedded store is \
         written by one process at a time (others read it through that process's read socket); \
         run several receivers on PostgreSQL"
    )]
    InUse,
    /// The store file is open in another process that serves no read socket beside it (an older
    /// build, or one that does not call `serve_readers`), so it cannot be read now.
    #[cfg(all(feature = "redb", unix))]
    #[error(
        "the store file is open in another process, and no read socket answers beside it \
         ({0}); a running `snapbi receive` of this version answers reads there: otherwise stop \
         the process that holds the file, then read it again"
    )]
    NoReadSocket(String),
    /// Reading through the read socket of the process that writes an embedded store failed.
    #[cfg(all(feature = "redb", unix))]
    #[error("read socket: {0}")]
    ReadSocket(String),
    /// The file was written in an older redb file format (for example by a snapbi build with
    /// redb 2): nothing was read or changed. Read it with the build that wrote it, then move it
    /// aside.
    #[cfg(feature = "redb")]
    #[error(
        "the store file is in redb's file format v{0}, written by an older build: nothing was \
         read or changed; read it with the build that wrote it, then move it aside"
    )]
    OldFormat(u8),
    /// PostgreSQL answered with an error, or the connection failed.
    #[cfg(feature = "postgres")]
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had from the pool.
    #[cfg(feature = "postgres")]
    #[error("postgres pool: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// Redis answered with an error, or the connection failed.
    #[cfg(feature = "redis")]
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A stored value is not in the format this crate writes.
    #[error("a stored value is not in snap-store's format")]
    Corrupt,
    /// The store location is not a path or a `postgres://` URL this build supports.
    #[error("store location: {0}")]
    Location(String),
    /// The store was opened read-only (by `snapbi inbox`), and a write was asked of it.
    #[error("the store is open read-only")]
    ReadOnly,
    /// The transaction holding this write was rolled back (another write in it failed, or the
    /// commit did): nothing of it was stored.
    #[error("not stored: {0}")]
    NotCommitted(String),
    /// The claim's lease ran out while the request was handled and another request took the key
    /// over: this answer was not stored and must not be acknowledged.
    #[error("the claim was lost (its lease ran out) before the answer was stored")]
    ClaimLost,
    /// The store's writer has stopped (the process is shutting down).
    #[error("the store is closed")]
    Closed,
    /// A notification is not in the store.
    #[error("no notification {0}")]
    NotFound(NotificationId),
    /// A stored record cannot be decoded.
    #[error(transparent)]
    Unreadable(#[from] UnreadableRecord),
}

/// A stored record that cannot be decoded: listed and exported as such, never fatal to a listing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notification {id} is unreadable: {reason}")]
pub struct UnreadableRecord {
    /// The record's id.
    pub id: NotificationId,
    /// What is wrong with it.
    pub reason: String,
}

#[cfg(feature = "redb")]
pub(crate) fn redb_error(e: impl Into<redb::Error>) -> StoreError {
    StoreError::Redb(Box::new(e.into()))
}

impl From<StoreError> for snap_http::Error {
    fn from(e: StoreError) -> Self {
        snap_http::Error::Store(Box::new(e))
    }
}
