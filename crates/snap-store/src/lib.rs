#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
// The docs name every backend; with some features off, links to the others have no target (docs.rs
// builds with all features).
#![cfg_attr(
    not(all(feature = "redb", feature = "postgres", feature = "redis")),
    allow(rustdoc::broken_intra_doc_links)
)]

#[cfg(feature = "redb")]
mod embedded;
mod error;
mod location;
mod notification;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(all(feature = "redb", unix))]
mod read_socket;
#[cfg(feature = "redis")]
mod redis;
mod retention;
#[cfg(any(feature = "redb", feature = "postgres"))]
mod store;
mod summary;

pub use error::{StoreError, UnreadableRecord};
pub use location::StoreLocation;
pub use notification::{
    Delivery, DeliveryState, DeliveryStatus, Notification, NotificationId, StoredNotification,
};
#[cfg(feature = "postgres")]
pub use postgres::{PgPool, SCHEMA_SQL};
#[cfg(all(feature = "redb", unix))]
pub use read_socket::ReadSocket;
#[cfg(feature = "redis")]
pub use redis::RedisReplayStore;
pub use retention::ClaimCutoff;
#[cfg(any(feature = "redb", feature = "postgres"))]
pub use store::NotificationStore;
pub use summary::Summary;

/// How long an in-progress claim of a shared store (PostgreSQL, Redis) holds its key when its
/// instance dies: the provider's retry is handled once it runs out. Handlers that take longer
/// need a longer lease (`with_lease` on the store).
pub const DEFAULT_LEASE: std::time::Duration = std::time::Duration::from_secs(30);

/// The stored_record fuzz target's entry point (`fuzz/`); built only by `cargo fuzz`, which sets
/// `cfg(fuzzing)`: the record codec it checks is private to the redb backend. Returns whether a
/// record decoded.
#[cfg(all(fuzzing, feature = "redb"))]
#[doc(hidden)]
pub fn fuzz_stored_record(data: &[u8]) -> bool {
    embedded::fuzz_check::fuzz_check(data)
}

#[cfg(any(feature = "redb", feature = "postgres"))]
/// What `complete` stores: the answer, and the notification it answers when it was accepted.
pub(crate) struct Answer {
    pub(crate) fingerprint: snap_http::Fingerprint,
    pub(crate) response: snap_http::StoredResponse,
    pub(crate) notification: Option<Notification>,
}

#[cfg(any(feature = "redb", feature = "postgres"))]
/// A replay key's parts as the backends index them.
pub(crate) struct KeyParts<'a> {
    #[cfg(feature = "redb")]
    pub(crate) day: i32,
    #[cfg(feature = "postgres")]
    pub(crate) date: time::Date,
    pub(crate) partner: &'a str,
    pub(crate) external_id: &'a str,
}

#[cfg(any(feature = "redb", feature = "postgres"))]
pub(crate) fn key_parts(key: &snap_http::ReplayKey) -> KeyParts<'_> {
    KeyParts {
        #[cfg(feature = "redb")]
        day: key.date.to_julian_day(),
        #[cfg(feature = "postgres")]
        date: key.date,
        partner: key.partner_id.as_str(),
        external_id: key.external_id.as_str(),
    }
}
