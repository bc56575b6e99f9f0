#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "redb")]
mod embedded;
mod error;
mod location;
mod notification;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;
mod store;
mod summary;

pub use error::{StoreError, UnreadableRecord};
pub use location::StoreLocation;
pub use notification::{
    Delivery, DeliveryState, DeliveryStatus, Notification, NotificationId, StoredNotification,
};
#[cfg(feature = "postgres")]
pub use postgres::{PgPool, SCHEMA_SQL};
#[cfg(feature = "redis")]
pub use redis::RedisReplayStore;
pub use store::{DEFAULT_LEASE, NotificationStore};
pub use summary::Summary;

use snap_http::{Fingerprint, ReplayKey, StoredResponse};

/// The stored_record fuzz target's entry point (`fuzz/`); built only by `cargo fuzz`, which sets
/// `cfg(fuzzing)`: the record codec it checks is private to the redb backend. Returns whether a
/// record decoded.
#[cfg(all(fuzzing, feature = "redb"))]
#[doc(hidden)]
pub fn fuzz_stored_record(data: &[u8]) -> bool {
    embedded::fuzz_check::fuzz_check(data)
}

/// What `complete` stores: the answer, and the notification it answers when it was accepted.
pub(crate) struct Answer {
    pub(crate) fingerprint: Fingerprint,
    pub(crate) response: StoredResponse,
    pub(crate) notification: Option<Notification>,
}

/// A replay key's parts as the backends index them.
pub(crate) struct KeyParts<'a> {
    pub(crate) day: i32,
    pub(crate) date: time::Date,
    pub(crate) partner: &'a str,
    pub(crate) external_id: &'a str,
}

pub(crate) fn key_parts(key: &ReplayKey) -> KeyParts<'_> {
    KeyParts {
        day: key.date.to_julian_day(),
        date: key.date,
        partner: key.partner_id.as_str(),
        external_id: key.external_id.as_str(),
    }
}
