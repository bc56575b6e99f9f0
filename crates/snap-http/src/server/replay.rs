//! Idempotency of notifications: one X-EXTERNAL-ID per partner per Jakarta day.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use time::{Date, OffsetDateTime, UtcOffset};
use tokio::sync::watch;

use crate::Error;
use crate::server::{Map, lock};

/// A boxed, sendable future, as returned by [`ReplayStore`] methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Asia/Jakarta (WIB): UTC+7 all year, no daylight saving.
pub const JAKARTA: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// The Asia/Jakarta calendar date of an instant: the day an X-EXTERNAL-ID is unique within.
pub fn jakarta_date(instant: OffsetDateTime) -> Date {
    instant.to_offset(JAKARTA).date()
}

/// Who sent which X-EXTERNAL-ID on which day.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ReplayKey {
    /// The verified partner's `X-PARTNER-ID`.
    pub partner_id: String,
    /// The `X-EXTERNAL-ID`.
    pub external_id: String,
    /// The Asia/Jakarta date the request arrived on.
    pub date: Date,
}

impl ReplayKey {
    /// A key from its parts.
    pub fn new(partner_id: impl Into<String>, external_id: impl Into<String>, date: Date) -> Self {
        Self {
            partner_id: partner_id.into(),
            external_id: external_id.into(),
            date,
        }
    }
}

/// A final answer kept for identical retries: the HTTP status and the exact body bytes
/// (`X-TIMESTAMP` is regenerated when it is replayed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// The JSON body as first sent.
    pub body: Bytes,
}

/// The answer of [`ReplayStore::claim`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// First time: the caller owns the key and must call [`ReplayStore::complete`] or
    /// [`ReplayStore::release`].
    New,
    /// The same request (same fingerprint) was answered before: here is that answer.
    Duplicate(StoredResponse),
    /// The key was used with a different request (`409xx00 Conflict`).
    Conflict,
    /// The same request is being handled right now; [`ReplayStore::wait`] then claim again.
    InProgress,
}

/// Where claims on (partner, X-EXTERNAL-ID, date) live: in memory by default
/// ([`MemoryReplayStore`]); implement it over redb or Redis to survive restarts or to share it
/// between instances.
///
/// The fingerprint identifies the request (SHA-256 over the path and the minified body): the same
/// key with another fingerprint is a conflict. Only final answers are stored: a claim whose
/// handling failed with a 5xx is released, so the provider's retry is handled afresh.
pub trait ReplayStore: Send + Sync + 'static {
    /// Claims `key` for a request with `fingerprint`.
    fn claim<'a>(
        &'a self,
        key: &'a ReplayKey,
        fingerprint: [u8; 32],
    ) -> BoxFuture<'a, Result<Claim, Error>>;

    /// Stores the final answer of a claimed key and wakes the requests waiting on it.
    /// `fingerprint` is the one the key was claimed with: a store that outlives the process
    /// keeps it beside the answer, to tell a later retry from a conflicting reuse.
    fn complete<'a>(
        &'a self,
        key: &'a ReplayKey,
        fingerprint: [u8; 32],
        response: StoredResponse,
    ) -> BoxFuture<'a, Result<(), Error>>;

    /// Gives a claimed key up without an answer (the handling failed): the next claim is `New`.
    fn release<'a>(&'a self, key: &'a ReplayKey) -> BoxFuture<'a, Result<(), Error>>;

    /// Resolves when `key` is probably no longer in progress. The default polls every 20 ms;
    /// stores that can notify should override it.
    fn wait<'a>(&'a self, key: &'a ReplayKey) -> BoxFuture<'a, ()> {
        let _ = key;
        Box::pin(tokio::time::sleep(std::time::Duration::from_millis(20)))
    }
}

/// What the memory store keeps per key (80 bytes: the table is the store's whole footprint, and
/// under load its cache misses are most of a claim's cost).
struct Entry {
    /// Julian day of the key's date (entries of earlier days are dropped).
    day: i32,
    /// The first half of the request's fingerprint.
    fingerprint: Half,
    state: State,
}

/// The first 16 bytes of a SHA-256: still collision-resistant far beyond any number of
/// notifications a day (2^64 work to find a pair).
type Half = [u8; 16];

fn half(digest: &[u8]) -> Half {
    digest.first_chunk().copied().unwrap_or_default()
}

enum State {
    InProgress {
        /// Created by the first waiter only: most claims are never waited on.
        done: Option<watch::Sender<bool>>,
    },
    Done(StoredResponse),
}

/// A [`ReplayKey`] as the memory store holds it: two SipHash-1-3 values of its date, partner id
/// and X-EXTERNAL-ID under two random per-store keys, i.e. a 128-bit keyed digest. Fixed size, no
/// allocation per entry, its bits spread keys over shards and buckets evenly, and without the keys
/// nobody can aim two keys at one digest (by chance: 2^-64 for billions of entries).
type KeyDigest = [u8; 16];

/// The two random SipHash keys of a store's [`KeyDigest`]s.
struct KeyHasher(std::hash::RandomState, std::hash::RandomState);

impl KeyHasher {
    fn new() -> Self {
        Self(std::hash::RandomState::new(), std::hash::RandomState::new())
    }

    fn digest(&self, key: &ReplayKey) -> KeyDigest {
        use std::hash::BuildHasher as _;
        // `str` hashes with a terminator, so the parts never run into each other.
        let parts = (key.date.to_julian_day(), &key.partner_id, &key.external_id);
        let mut out = [0u8; 16];
        let (a, b) = out.split_at_mut(8);
        a.copy_from_slice(&self.0.hash_one(parts).to_le_bytes());
        b.copy_from_slice(&self.1.hash_one(parts).to_le_bytes());
        out
    }
}

#[derive(Default)]
struct Shard {
    entries: Map<KeyDigest, Entry>,
}

/// The default [`ReplayStore`]: sharded maps in memory. Entries expire at the end of their
/// Asia/Jakarta day (they are dropped when the first claim of a later day arrives).
/// Not shared between instances and lost on restart.
///
/// Keys are held as 128-bit keyed digests and fingerprints as truncated SHA-256 digests, so an
/// entry costs about a hundred bytes plus the stored answer's body.
pub struct MemoryReplayStore {
    shards: Box<[Mutex<Shard>]>,
    hasher: KeyHasher,
    /// Julian day of the newest date claimed: when it advances, earlier days are dropped.
    today: AtomicI32,
}

impl Default for MemoryReplayStore {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MemoryReplayStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryReplayStore")
            .field("entries", &self.len())
            .finish()
    }
}

impl MemoryReplayStore {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            hasher: KeyHasher::new(),
            today: AtomicI32::new(i32::MIN),
        }
    }

    /// How many keys are held (in progress or answered).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).entries.len()).sum()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn shard(&self, digest: &KeyDigest) -> MutexGuard<'_, Shard> {
        // The digest's last byte is uniform; SHARDS divides 256.
        lock(&self.shards[usize::from(digest[15]) % SHARDS])
    }

    fn claim_now(&self, key: &ReplayKey, fingerprint: [u8; 32]) -> Claim {
        let day = key.date.to_julian_day();
        // Read first: the shared counter is only written once a day, not on every claim.
        if self.today.load(Ordering::Acquire) < day
            && self.today.fetch_max(day, Ordering::AcqRel) < day
        {
            for shard in &self.shards {
                lock(shard).entries.retain(|_, entry| entry.day >= day);
            }
        }
        let digest = self.hasher.digest(key);
        let fingerprint = half(&fingerprint);
        let mut shard = self.shard(&digest);
        match shard.entries.entry(digest) {
            std::collections::hash_map::Entry::Vacant(vacant) => {
                vacant.insert(Entry {
                    day,
                    fingerprint,
                    state: State::InProgress { done: None },
                });
                Claim::New
            }
            std::collections::hash_map::Entry::Occupied(held) => {
                let entry = held.get();
                match &entry.state {
                    _ if entry.fingerprint != fingerprint => Claim::Conflict,
                    State::InProgress { .. } => Claim::InProgress,
                    State::Done(response) => Claim::Duplicate(response.clone()),
                }
            }
        }
    }

    fn finish(&self, key: &ReplayKey, response: Option<StoredResponse>) {
        let digest = self.hasher.digest(key);
        let mut shard = self.shard(&digest);
        let previous = match response {
            Some(response) => match shard.entries.get_mut(&digest) {
                Some(entry) => std::mem::replace(&mut entry.state, State::Done(response)),
                None => return,
            },
            None => match shard.entries.remove(&digest) {
                Some(entry) => entry.state,
                None => return,
            },
        };
        drop(shard);
        if let State::InProgress { done: Some(done) } = previous {
            done.send_replace(true);
        }
    }
}

const SHARDS: usize = 32;

impl ReplayStore for MemoryReplayStore {
    fn claim<'a>(
        &'a self,
        key: &'a ReplayKey,
        fingerprint: [u8; 32],
    ) -> BoxFuture<'a, Result<Claim, Error>> {
        let claim = self.claim_now(key, fingerprint);
        Box::pin(std::future::ready(Ok(claim)))
    }

    fn complete<'a>(
        &'a self,
        key: &'a ReplayKey,
        _fingerprint: [u8; 32],
        response: StoredResponse,
    ) -> BoxFuture<'a, Result<(), Error>> {
        // The in-progress entry already holds the fingerprint.
        self.finish(key, Some(response));
        Box::pin(std::future::ready(Ok(())))
    }

    fn release<'a>(&'a self, key: &'a ReplayKey) -> BoxFuture<'a, Result<(), Error>> {
        self.finish(key, None);
        Box::pin(std::future::ready(Ok(())))
    }

    fn wait<'a>(&'a self, key: &'a ReplayKey) -> BoxFuture<'a, ()> {
        // Subscribing under the lock means a completion cannot slip between the check and the wait.
        let digest = self.hasher.digest(key);
        let receiver = match self.shard(&digest).entries.get_mut(&digest) {
            Some(Entry {
                state: State::InProgress { done },
                ..
            }) => Some(
                done.get_or_insert_with(|| watch::channel(false).0)
                    .subscribe(),
            ),
            _ => None,
        };
        Box::pin(async move {
            if let Some(mut receiver) = receiver {
                // An error means the sender is gone, i.e. the entry was replaced: done either way.
                let _ = receiver.wait_for(|done| *done).await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::{date, datetime};

    fn key(ext: &str, date: Date) -> ReplayKey {
        ReplayKey::new("QoinSnap", ext, date)
    }

    #[tokio::test]
    async fn lifecycle() {
        let store = MemoryReplayStore::new();
        let d = date!(2024 - 08 - 23);
        let k = key("1", d);
        assert_eq!(store.claim(&k, [1; 32]).await.unwrap(), Claim::New);
        assert_eq!(store.claim(&k, [1; 32]).await.unwrap(), Claim::InProgress);
        assert_eq!(store.claim(&k, [2; 32]).await.unwrap(), Claim::Conflict);
        let waiter = store.wait(&k);
        let response = StoredResponse {
            status: 200,
            body: Bytes::from_static(b"{}"),
        };
        store.complete(&k, [1; 32], response.clone()).await.unwrap();
        waiter.await;
        assert_eq!(
            store.claim(&k, [1; 32]).await.unwrap(),
            Claim::Duplicate(response)
        );
        assert_eq!(store.claim(&k, [2; 32]).await.unwrap(), Claim::Conflict);

        let k2 = key("2", d);
        assert_eq!(store.claim(&k2, [1; 32]).await.unwrap(), Claim::New);
        store.release(&k2).await.unwrap();
        assert_eq!(store.claim(&k2, [1; 32]).await.unwrap(), Claim::New);
        // Another partner, another day: independent.
        assert_eq!(
            store
                .claim(&ReplayKey::new("Other", "1", d), [9; 32])
                .await
                .unwrap(),
            Claim::New
        );
        assert_eq!(
            store
                .claim(&key("1", d.next_day().unwrap()), [9; 32])
                .await
                .unwrap(),
            Claim::New
        );
    }

    #[tokio::test]
    async fn old_days_expire() {
        let store = MemoryReplayStore::new();
        let d = date!(2024 - 08 - 23);
        for i in 0..200 {
            store.claim(&key(&i.to_string(), d), [0; 32]).await.unwrap();
        }
        assert_eq!(store.len(), 200);
        for i in 0..200 {
            store
                .claim(&key(&format!("n{i}"), d.next_day().unwrap()), [0; 32])
                .await
                .unwrap();
        }
        assert_eq!(store.len(), 200);
    }

    #[test]
    fn jakarta_day_boundary() {
        assert_eq!(
            jakarta_date(datetime!(2024-08-22 16:59:59 UTC)),
            date!(2024 - 08 - 22)
        );
        assert_eq!(
            jakarta_date(datetime!(2024-08-22 17:00:00 UTC)),
            date!(2024 - 08 - 23)
        );
    }
}

#[cfg(test)]
mod size {
    #[test]
    fn entries_stay_small() {
        assert!(std::mem::size_of::<(super::KeyDigest, super::Entry)>() <= 96);
    }
}
