//! [`RedisReplayStore`]: replay protection shared by several instances through Redis, without
//! the notification record (pair it with your own storage of what the handlers receive).
//!
//! A claim is one command, `SET key value NX PX lease GET` (no check-then-set): it sets an
//! in-progress value that expires with its lease, or returns what the key holds. The answer
//! replaces it, expiring at the next midnight in Asia/Jakarta (the key's day is over then).
//!
//! **Durability:** with Redis's default configuration (RDB snapshots, no append-only file) a
//! crash of the Redis server loses every claim and answer since the last snapshot; a provider's
//! retry after that is handled again. Use it for replay protection only, and only with
//! `appendonly yes` and `appendfsync always`. The crate's tests measure both.

use std::time::Duration;

use bytes::Bytes;
use redis::aio::ConnectionManager;
use snap_http::{
    BoxFuture, Claim, Fingerprint, ReceivedRequest, ReplayKey, ReplayStore, StoredResponse,
};
use snap_types::JAKARTA;
use time::{PrimitiveDateTime, Time};

use crate::{DEFAULT_LEASE, StoreError};

/// State bytes of a stored value: in progress (`P` + fingerprint) or done (`D` + fingerprint +
/// status (2, big endian) + body).
const IN_PROGRESS: u8 = b'P';
const DONE: u8 = b'D';

/// Stores the answer unless another request holds the key; 0 when it does.
const COMPLETE: &str = "\
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 2, 33) ~= ARGV[1] then return 0 end
if v and string.sub(v, 1, 1) == 'D' then return 1 end
redis.call('SET', KEYS[1], ARGV[2], 'EXAT', ARGV[3])
return 1";

/// Deletes the key only while it is in progress.
const RELEASE: &str = "\
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 1) == 'P' then redis.call('DEL', KEYS[1]) end
return 1";

/// A [`ReplayStore`] in Redis (feature `redis`). Read the module's note on durability.
#[derive(Clone)]
pub struct RedisReplayStore {
    connection: ConnectionManager,
    lease: Duration,
}

impl std::fmt::Debug for RedisReplayStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisReplayStore")
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl RedisReplayStore {
    /// Connects to `url` (`redis://host:port/db`).
    ///
    /// # Errors
    /// [`StoreError::Redis`] when the URL is invalid or the server cannot be reached.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url)?;
        Ok(Self::new(client.get_connection_manager().await?))
    }

    /// A store over your own connection manager.
    pub fn new(connection: ConnectionManager) -> Self {
        Self {
            connection,
            lease: DEFAULT_LEASE,
        }
    }

    /// How long an in-progress claim holds its key when its instance dies (default
    /// [`DEFAULT_LEASE`]).
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    async fn claim_now(
        &self,
        key: &ReplayKey,
        fingerprint: Fingerprint,
    ) -> Result<Claim, StoreError> {
        let mut value = Vec::with_capacity(33);
        value.push(IN_PROGRESS);
        value.extend_from_slice(fingerprint.as_bytes());
        let lease_ms = u64::try_from(self.lease.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let held: Option<Vec<u8>> = redis::cmd("SET")
            .arg(redis_key(key))
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(lease_ms)
            .arg("GET")
            .query_async(&mut self.connection.clone())
            .await?;
        let Some(held) = held else {
            return Ok(Claim::New);
        };
        let (state, rest) = held.split_first().ok_or(StoreError::Corrupt)?;
        let (stored, rest) = rest.split_first_chunk::<32>().ok_or(StoreError::Corrupt)?;
        if stored != fingerprint.as_bytes() {
            return Ok(Claim::Conflict);
        }
        match *state {
            IN_PROGRESS => Ok(Claim::InProgress),
            DONE => {
                let (status, body) = rest.split_first_chunk::<2>().ok_or(StoreError::Corrupt)?;
                Ok(Claim::Duplicate(StoredResponse {
                    status: u16::from_be_bytes(*status),
                    body: Bytes::copy_from_slice(body),
                }))
            }
            _ => Err(StoreError::Corrupt),
        }
    }

    async fn complete_now(
        &self,
        request: &ReceivedRequest,
        response: StoredResponse,
    ) -> Result<(), StoreError> {
        let mut value = Vec::with_capacity(35 + response.body.len());
        value.push(DONE);
        value.extend_from_slice(request.fingerprint.as_bytes());
        value.extend_from_slice(&response.status.to_be_bytes());
        value.extend_from_slice(&response.body);
        let stored: i64 = redis::cmd("EVAL")
            .arg(COMPLETE)
            .arg(1)
            .arg(redis_key(&request.key))
            .arg(request.fingerprint.as_bytes().as_slice())
            .arg(value)
            .arg(next_jakarta_midnight(&request.key))
            .query_async(&mut self.connection.clone())
            .await?;
        if stored == 1 {
            Ok(())
        } else {
            Err(StoreError::ClaimLost)
        }
    }

    async fn release_now(&self, key: &ReplayKey) -> Result<(), StoreError> {
        let _: i64 = redis::cmd("EVAL")
            .arg(RELEASE)
            .arg(1)
            .arg(redis_key(key))
            .query_async(&mut self.connection.clone())
            .await?;
        Ok(())
    }
}

/// `snap:replay:<date>:<partner length>:<partner>:<external id>` (the length keeps ids containing
/// `:` apart).
fn redis_key(key: &ReplayKey) -> String {
    let partner = key.partner_id.as_str();
    format!(
        "snap:replay:{}:{}:{partner}:{}",
        key.date,
        partner.len(),
        key.external_id
    )
}

/// Unix seconds of the midnight that ends the key's Jakarta day.
fn next_jakarta_midnight(key: &ReplayKey) -> i64 {
    let next = key.date.next_day().unwrap_or(key.date);
    PrimitiveDateTime::new(next, Time::MIDNIGHT)
        .assume_offset(JAKARTA)
        .unix_timestamp()
}

impl ReplayStore for RedisReplayStore {
    fn claim<'a>(
        &'a self,
        key: &'a ReplayKey,
        fingerprint: Fingerprint,
    ) -> BoxFuture<'a, Result<Claim, snap_http::Error>> {
        Box::pin(async move { self.claim_now(key, fingerprint).await.map_err(Into::into) })
    }

    fn complete<'a>(
        &'a self,
        request: &'a ReceivedRequest,
        response: StoredResponse,
    ) -> BoxFuture<'a, Result<(), snap_http::Error>> {
        Box::pin(async move {
            self.complete_now(request, response)
                .await
                .map_err(Into::into)
        })
    }

    fn release<'a>(&'a self, key: &'a ReplayKey) -> BoxFuture<'a, Result<(), snap_http::Error>> {
        Box::pin(async move { self.release_now(key).await.map_err(Into::into) })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::date;

    #[test]
    fn keys_expire_at_the_end_of_their_jakarta_day() {
        let key = ReplayKey::new(
            "QoinSnap".parse().unwrap(),
            "1".parse().unwrap(),
            date!(2024 - 08 - 23),
        );
        // 2024-08-24 00:00 +07:00 = 2024-08-23 17:00 UTC.
        assert_eq!(next_jakarta_midnight(&key), 1_724_432_400);
        assert_eq!(redis_key(&key), "snap:replay:2024-08-23:8:QoinSnap:1");
    }
}
