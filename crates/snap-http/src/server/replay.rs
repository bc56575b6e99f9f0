//! Idempotency of notifications: one X-EXTERNAL-ID per partner per Jakarta day.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use snap_types::{ExternalId, PartnerId};
use time::{Date, OffsetDateTime, UtcOffset};
use tokio::sync::watch;

use crate::Error;
use crate::server::lock;

mod future;
mod positions;
pub use future::StoreFuture;
use positions::{Positions, Probe};

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
    pub partner_id: PartnerId,
    /// The `X-EXTERNAL-ID`.
    pub external_id: ExternalId,
    /// The Asia/Jakarta date the request arrived on.
    pub date: Date,
}

impl ReplayKey {
    /// A key from its parts.
    pub fn new(partner_id: PartnerId, external_id: ExternalId, date: Date) -> Self {
        Self {
            partner_id,
            external_id,
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
    ) -> StoreFuture<'a, Result<Claim, Error>>;

    /// Stores the final answer of a claimed key and wakes the requests waiting on it.
    /// `fingerprint` is the one the key was claimed with: a store that outlives the process
    /// keeps it beside the answer, to tell a later retry from a conflicting reuse.
    fn complete<'a>(
        &'a self,
        key: &'a ReplayKey,
        fingerprint: [u8; 32],
        response: StoredResponse,
    ) -> StoreFuture<'a, Result<(), Error>>;

    /// Gives a claimed key up without an answer (the handling failed): the next claim is `New`.
    fn release<'a>(&'a self, key: &'a ReplayKey) -> StoreFuture<'a, Result<(), Error>>;

    /// Resolves when `key` is probably no longer in progress. The default polls every 20 ms;
    /// stores that can notify should override it.
    fn wait<'a>(&'a self, key: &'a ReplayKey) -> StoreFuture<'a, ()> {
        let _ = key;
        StoreFuture::new(tokio::time::sleep(std::time::Duration::from_millis(20)))
    }
}

/// What the memory store keeps per key (80 bytes, in claim order: see [`Shard`]).
struct Entry {
    key: KeyDigest,
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
        let parts = (
            key.date.to_julian_day(),
            key.partner_id.as_str(),
            key.external_id.as_str(),
        );
        let mut out = [0u8; 16];
        let (a, b) = out.split_at_mut(8);
        a.copy_from_slice(&self.0.hash_one(parts).to_le_bytes());
        b.copy_from_slice(&self.1.hash_one(parts).to_le_bytes());
        out
    }
}

/// The table hash of a digest: its first 8 bytes, already uniform (the shard is picked by the last).
fn table_hash(digest: &KeyDigest) -> u64 {
    digest
        .first_chunk()
        .map_or(0, |bytes| u64::from_le_bytes(*bytes))
}

/// One shard of the memory store: the entries in claim order and where each key's entry is.
///
/// Every notification of the day adds an entry, so the shard is far larger than the caches.
/// A map holding the entries themselves wrote each new one to a random cache line that had to be
/// fetched first; here a claim appends the entry at the end of `entries` (a line already in
/// cache) and touches one line of `positions` (see [`Positions`]).
#[derive(Default)]
struct Shard {
    positions: Positions,
    entries: Vec<Entry>,
}

/// Positions are kept in 32 bits (see [`Positions`]).
const MAX_ENTRIES: usize = u32::MAX as usize - 1;

impl Shard {
    fn probe(&self, digest: &KeyDigest) -> Probe {
        let entries = &self.entries;
        self.positions.probe(table_hash(digest), |at| {
            entries.get(at).is_some_and(|e| &e.key == digest)
        })
    }

    fn position(&self, digest: &KeyDigest) -> Option<usize> {
        match self.probe(digest) {
            Probe::Found { position, .. } => Some(position),
            Probe::Vacant { .. } => None,
        }
    }

    /// Inserts a new in-progress entry, or answers from the key's entry.
    fn claim(&mut self, digest: KeyDigest, day: i32, fingerprint: Half) -> Result<Claim, Error> {
        let len = self.entries.len();
        if len >= MAX_ENTRIES {
            return Err(Error::Store(
                "a memory replay store shard is full (2^32 keys)".into(),
            ));
        }
        let hashes = self.entries.iter().map(|e| table_hash(&e.key));
        self.positions.reserve_one(len, hashes);
        match self.probe(&digest) {
            Probe::Found { position, .. } => {
                let Some(entry) = self.entries.get(position) else {
                    return Ok(Claim::New); // positions always point at entries: not reachable
                };
                Ok(match &entry.state {
                    _ if entry.fingerprint != fingerprint => Claim::Conflict,
                    State::InProgress { .. } => Claim::InProgress,
                    State::Done(response) => Claim::Duplicate(response.clone()),
                })
            }
            Probe::Vacant { slot } => {
                self.positions.fill(slot, table_hash(&digest), len);
                self.entries.push(Entry {
                    key: digest,
                    day,
                    fingerprint,
                    state: State::InProgress { done: None },
                });
                Ok(Claim::New)
            }
        }
    }

    /// Removes the key's entry: the last entry moves into its place.
    fn remove(&mut self, digest: &KeyDigest) -> Option<Entry> {
        let Probe::Found { slot, position } = self.probe(digest) else {
            return None;
        };
        let entries = &self.entries;
        self.positions
            .remove(slot, |at| entries.get(at).map_or(0, |e| table_hash(&e.key)));
        let removed = self.entries.swap_remove(position);
        if let Some(moved) = self.entries.get(position) {
            let last = self.entries.len();
            let hash = table_hash(&moved.key);
            if let Probe::Found { slot, .. } = self.positions.probe(hash, |at| at == last) {
                self.positions.repoint(slot, position);
            }
        }
        Some(removed)
    }

    /// Drops the entries of days before `day`.
    fn expire(&mut self, day: i32) {
        self.entries.retain(|entry| entry.day >= day);
        self.entries.shrink_to_fit();
        let hashes = self.entries.iter().map(|e| table_hash(&e.key));
        self.positions = Positions::rebuilt(self.entries.len(), hashes);
    }
}

/// The default [`ReplayStore`]: sharded tables in memory. Entries expire at the end of their
/// Asia/Jakarta day (they are dropped when the first claim of a later day arrives).
/// Not shared between instances and lost on restart.
///
/// Keys are held as 128-bit keyed digests and fingerprints as truncated SHA-256 digests, so an
/// entry costs under a hundred bytes plus the stored answer's body.
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

    fn claim_now(&self, key: &ReplayKey, fingerprint: [u8; 32]) -> Result<Claim, Error> {
        let day = key.date.to_julian_day();
        // Read first: the shared counter is only written once a day, not on every claim.
        if self.today.load(Ordering::Acquire) < day
            && self.today.fetch_max(day, Ordering::AcqRel) < day
        {
            for shard in &self.shards {
                lock(shard).expire(day);
            }
        }
        let digest = self.hasher.digest(key);
        self.shard(&digest).claim(digest, day, half(&fingerprint))
    }

    fn finish(&self, key: &ReplayKey, response: Option<StoredResponse>) {
        let digest = self.hasher.digest(key);
        let mut shard = self.shard(&digest);
        let previous = match response {
            Some(response) => {
                let Some(at) = shard.position(&digest) else {
                    return;
                };
                let Some(entry) = shard.entries.get_mut(at) else {
                    return;
                };
                std::mem::replace(&mut entry.state, State::Done(response))
            }
            None => match shard.remove(&digest) {
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
    ) -> StoreFuture<'a, Result<Claim, Error>> {
        StoreFuture::ready(self.claim_now(key, fingerprint))
    }

    fn complete<'a>(
        &'a self,
        key: &'a ReplayKey,
        _fingerprint: [u8; 32],
        response: StoredResponse,
    ) -> StoreFuture<'a, Result<(), Error>> {
        // The in-progress entry already holds the fingerprint.
        self.finish(key, Some(response));
        StoreFuture::ready(Ok(()))
    }

    fn release<'a>(&'a self, key: &'a ReplayKey) -> StoreFuture<'a, Result<(), Error>> {
        self.finish(key, None);
        StoreFuture::ready(Ok(()))
    }

    fn wait<'a>(&'a self, key: &'a ReplayKey) -> StoreFuture<'a, ()> {
        // Subscribing under the lock means a completion cannot slip between the check and the wait.
        let digest = self.hasher.digest(key);
        let mut shard = self.shard(&digest);
        let at = shard.position(&digest);
        let receiver = match at.and_then(|at| shard.entries.get_mut(at)) {
            Some(Entry {
                state: State::InProgress { done },
                ..
            }) => Some(
                done.get_or_insert_with(|| watch::channel(false).0)
                    .subscribe(),
            ),
            _ => None,
        };
        match receiver {
            Some(mut receiver) => StoreFuture::new(async move {
                // An error means the sender is gone, i.e. the entry was replaced: done either way.
                let _ = receiver.wait_for(|done| *done).await;
            }),
            None => StoreFuture::ready(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::{date, datetime};

    fn key(ext: &str, date: Date) -> ReplayKey {
        ReplayKey::new("QoinSnap".parse().unwrap(), ext.parse().unwrap(), date)
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
                .claim(
                    &ReplayKey::new("Other".parse().unwrap(), "1".parse().unwrap(), d),
                    [9; 32]
                )
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
    async fn releasing_keeps_the_other_keys() {
        // A release moves another entry into the freed place: every key must still be found.
        let store = MemoryReplayStore::new();
        let d = date!(2024 - 08 - 23);
        let keys: Vec<_> = (0..500).map(|i| key(&i.to_string(), d)).collect();
        for k in &keys {
            assert_eq!(store.claim(k, [1; 32]).await.unwrap(), Claim::New);
        }
        for k in keys.iter().step_by(3) {
            store.release(k).await.unwrap();
        }
        assert_eq!(store.len(), 500 - 167);
        for (i, k) in keys.iter().enumerate() {
            let expected = if i % 3 == 0 {
                Claim::New
            } else {
                Claim::InProgress
            };
            assert_eq!(store.claim(k, [1; 32]).await.unwrap(), expected, "{i}");
        }
        let response = StoredResponse {
            status: 200,
            body: Bytes::from_static(b"{}"),
        };
        for k in &keys {
            store.complete(k, [1; 32], response.clone()).await.unwrap();
        }
        for k in &keys {
            assert_eq!(
                store.claim(k, [1; 32]).await.unwrap(),
                Claim::Duplicate(response.clone())
            );
        }
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
    fn expiry_keeps_the_current_day_findable() {
        // Entries of the new day can already be there when the day turns (another thread's claim).
        let mut shard = Shard::default();
        let digest = |i: u8| [i; 16];
        for i in 0..100 {
            let day = if i % 2 == 0 { 1 } else { 2 };
            assert_eq!(shard.claim(digest(i), day, [i; 16]).unwrap(), Claim::New);
        }
        shard.expire(2);
        assert_eq!(shard.entries.len(), 50);
        for i in 0..100 {
            assert_eq!(shard.position(&digest(i)).is_some(), i % 2 == 1, "{i}");
        }
    }

    /// A digest whose table hash collides often: few home slots, few tags; the rest tells keys apart.
    fn crowded_digest(k: u16) -> KeyDigest {
        let hash = u64::from(k % 5) | (u64::from(k % 3) << 32);
        let mut d = [0u8; 16];
        d[..8].copy_from_slice(&hash.to_le_bytes());
        d[8..10].copy_from_slice(&k.to_le_bytes());
        d
    }

    proptest::proptest! {
        /// The shard behaves like a map from key to (fingerprint, answered) under any sequence of
        /// claims, answers and releases, even when most keys collide in the table.
        #[test]
        fn shard_matches_a_map(ops in proptest::collection::vec((0u16..300, 0u8..3, 0u8..2), 1..600)) {
            let mut shard = Shard::default();
            let mut model: std::collections::HashMap<u16, (u8, bool)> = Default::default();
            let done = StoredResponse { status: 200, body: Bytes::from_static(b"{}") };
            for (k, op, fp) in ops {
                let digest = crowded_digest(k);
                match op {
                    0 => {
                        let expected = match model.get(&k) {
                            None => Claim::New,
                            Some((held, _)) if *held != fp => Claim::Conflict,
                            Some((_, false)) => Claim::InProgress,
                            Some((_, true)) => Claim::Duplicate(done.clone()),
                        };
                        proptest::prop_assert_eq!(shard.claim(digest, 1, [fp; 16]).unwrap(), expected.clone());
                        if expected == Claim::New {
                            model.insert(k, (fp, false));
                        }
                    }
                    1 => {
                        let at = shard.position(&digest);
                        proptest::prop_assert_eq!(at.is_some(), model.contains_key(&k));
                        if let Some(entry) = at.and_then(|at| shard.entries.get_mut(at)) {
                            entry.state = State::Done(done.clone());
                            model.entry(k).and_modify(|e| e.1 = true);
                        }
                    }
                    _ => {
                        proptest::prop_assert_eq!(shard.remove(&digest).is_some(), model.remove(&k).is_some());
                    }
                }
                proptest::prop_assert_eq!(shard.entries.len(), model.len());
            }
            for k in 0..300 {
                proptest::prop_assert_eq!(shard.position(&crowded_digest(k)).is_some(), model.contains_key(&k));
            }
        }
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
        assert!(std::mem::size_of::<super::Entry>() <= 80);
    }
}
