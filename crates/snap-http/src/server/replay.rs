//! Idempotency of notifications: one X-EXTERNAL-ID per partner per endpoint per Jakarta day.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use bytes::Bytes;
use snap_crypto::BodyDigest;
use snap_types::{ChannelId, ExternalId, PartnerId, ServiceCode, Timestamp};
use time::{Date, OffsetDateTime};
use tokio::sync::watch;

use crate::Error;

/// A boxed, sendable future, as returned by [`ReplayStore`] methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Who sent which X-EXTERNAL-ID on which day: the unit of idempotency.
///
/// The endpoint is not part of the key: SNAP makes an X-EXTERNAL-ID unique per partner per day
/// across all endpoints (reuse the same day is `409xx00 Conflict`). It is part of the
/// [`Fingerprint`], so the same id sent to another endpoint is a conflict, never a duplicate,
/// and [`ReceivedRequest::endpoint`] tells a store which endpoint claimed it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ReplayKey {
    /// The verified partner's `X-PARTNER-ID`.
    pub partner_id: PartnerId,
    /// The `X-EXTERNAL-ID`.
    pub external_id: ExternalId,
    /// The Asia/Jakarta date the request arrived on (by the server's clock).
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

/// What makes two requests "the same request": SHA-256 over the endpoint (as in
/// [`ReceivedRequest::endpoint`]), a newline, and the SHA-256 of the minified body. A retry re-indented by the provider has the
/// same fingerprint; another body or another endpoint has another.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of a request to `endpoint` whose minified body has `digest` (as the
    /// signature verification returned it).
    pub fn new(endpoint: &str, digest: &BodyDigest) -> Self {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(endpoint.as_bytes());
        ctx.update(b"\n");
        ctx.update(digest.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        Self(out)
    }

    /// A fingerprint loaded back from storage (the bytes of [`as_bytes`](Self::as_bytes)).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 digest bytes, to store beside an answer.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprint(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// A verified request as the server received it: what a durable [`ReplayStore`] records beside
/// the answer, in the same transaction, when it [completes](ReplayStore::complete) a claim.
///
/// `received_at` is the server's one clock reading for the request: the same instant decided
/// the `X-TIMESTAMP` window and the Jakarta date of the key.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// The endpoint's service code (`25` for a VA payment notification).
    pub service: ServiceCode,
    /// Partner id, X-EXTERNAL-ID and Jakarta date.
    pub key: ReplayKey,
    /// The endpoint: the request's path as the server routed it (the route's full path with the
    /// server's mount prefix, e.g. `/api/v1.0/transfer-va/payment`), without the query and
    /// without a signed-path prefix a proxy stripped.
    pub endpoint: String,
    /// Endpoint and minified body: the request's identity.
    pub fingerprint: Fingerprint,
    /// `X-TIMESTAMP` as sent.
    pub timestamp: Timestamp,
    /// `CHANNEL-ID`, when sent.
    pub channel_id: Option<ChannelId>,
    /// When the server received it (the server's clock).
    pub received_at: OffsetDateTime,
    /// The body bytes exactly as received (valid UTF-8: other bodies are refused before).
    pub body: Bytes,
}

impl ReceivedRequest {
    /// A received request from its parts (the server builds these; stores build them in tests).
    pub fn new(
        service: ServiceCode,
        key: ReplayKey,
        endpoint: impl Into<String>,
        fingerprint: Fingerprint,
        timestamp: Timestamp,
        received_at: OffsetDateTime,
        body: Bytes,
    ) -> Self {
        Self {
            service,
            key,
            endpoint: endpoint.into(),
            fingerprint,
            timestamp,
            channel_id: None,
            received_at,
            body,
        }
    }

    /// With a `CHANNEL-ID`.
    #[must_use]
    pub fn with_channel_id(mut self, channel_id: ChannelId) -> Self {
        self.channel_id = Some(channel_id);
        self
    }

    /// The verified `X-PARTNER-ID`.
    pub fn partner_id(&self) -> &PartnerId {
        &self.key.partner_id
    }

    /// `X-EXTERNAL-ID`.
    pub fn external_id(&self) -> &ExternalId {
        &self.key.external_id
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
    /// The same request (same [`Fingerprint`]) was answered before: here is that answer.
    Duplicate(StoredResponse),
    /// The key was used with a different request (`409xx00 Conflict`).
    Conflict,
    /// The same request is being handled right now; [`ReplayStore::wait`] then claim again.
    InProgress,
}

/// Where claims on [`ReplayKey`]s live: in memory by default ([`MemoryReplayStore`]); implement
/// it over a database to survive restarts or to share it between instances.
///
/// The same key with another [`Fingerprint`] is a conflict. Only final answers are stored: a
/// claim whose handling failed with a 5xx is released, so the provider's retry is handled afresh.
pub trait ReplayStore: Send + Sync + 'static {
    /// Claims `key` for a request with `fingerprint`.
    fn claim<'a>(
        &'a self,
        key: &'a ReplayKey,
        fingerprint: Fingerprint,
    ) -> BoxFuture<'a, Result<Claim, Error>>;

    /// Stores the final answer of the claimed `request.key` and wakes the requests waiting on it.
    /// A durable store records the request (its facts and raw body) and the answer in one
    /// transaction, so an acknowledged request is never lost and its retry finds the answer.
    fn complete<'a>(
        &'a self,
        request: &'a ReceivedRequest,
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

/// What the memory store keeps per key.
struct Entry {
    fingerprint: Fingerprint,
    state: State,
}

enum State {
    InProgress {
        /// Created by the first waiter only: most claims are never waited on.
        done: Option<watch::Sender<bool>>,
    },
    Done(StoredResponse),
}

#[derive(Default)]
struct Entries {
    /// The newest date claimed: when it advances, keys of earlier days are dropped.
    today: Option<Date>,
    map: HashMap<ReplayKey, Entry>,
}

/// The default [`ReplayStore`]: a map in memory behind a lock. Keys expire at the end of their
/// Asia/Jakarta day (they are dropped when the first claim of a later day arrives).
/// Not shared between instances and lost on restart.
#[derive(Default)]
pub struct MemoryReplayStore {
    entries: Mutex<Entries>,
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
        Self::default()
    }

    /// How many keys are held (in progress or answered).
    pub fn len(&self) -> usize {
        lock(&self.entries).map.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn claim_now(&self, key: &ReplayKey, fingerprint: Fingerprint) -> Claim {
        let mut entries = lock(&self.entries);
        if entries.today.is_none_or(|today| today < key.date) {
            entries.today = Some(key.date);
            entries.map.retain(|k, _| k.date >= key.date);
        }
        match entries.map.get(key) {
            Some(entry) if entry.fingerprint != fingerprint => Claim::Conflict,
            Some(Entry {
                state: State::InProgress { .. },
                ..
            }) => Claim::InProgress,
            Some(Entry {
                state: State::Done(response),
                ..
            }) => Claim::Duplicate(response.clone()),
            None => {
                let entry = Entry {
                    fingerprint,
                    state: State::InProgress { done: None },
                };
                entries.map.insert(key.clone(), entry);
                Claim::New
            }
        }
    }

    fn finish(&self, key: &ReplayKey, response: Option<StoredResponse>) {
        let mut entries = lock(&self.entries);
        let previous = match response {
            Some(response) => match entries.map.get_mut(key) {
                Some(entry) => std::mem::replace(&mut entry.state, State::Done(response)),
                None => return,
            },
            None => match entries.map.remove(key) {
                Some(entry) => entry.state,
                None => return,
            },
        };
        drop(entries);
        if let State::InProgress { done: Some(done) } = previous {
            done.send_replace(true);
        }
    }
}

impl ReplayStore for MemoryReplayStore {
    fn claim<'a>(
        &'a self,
        key: &'a ReplayKey,
        fingerprint: Fingerprint,
    ) -> BoxFuture<'a, Result<Claim, Error>> {
        let claim = self.claim_now(key, fingerprint);
        Box::pin(std::future::ready(Ok(claim)))
    }

    fn complete<'a>(
        &'a self,
        request: &'a ReceivedRequest,
        response: StoredResponse,
    ) -> BoxFuture<'a, Result<(), Error>> {
        // The in-progress entry already holds the fingerprint; the request itself is not kept.
        self.finish(&request.key, Some(response));
        Box::pin(std::future::ready(Ok(())))
    }

    fn release<'a>(&'a self, key: &'a ReplayKey) -> BoxFuture<'a, Result<(), Error>> {
        self.finish(key, None);
        Box::pin(std::future::ready(Ok(())))
    }

    fn wait<'a>(&'a self, key: &'a ReplayKey) -> BoxFuture<'a, ()> {
        // Subscribing under the lock means a completion cannot slip between the check and the wait.
        let mut entries = lock(&self.entries);
        let receiver = match entries.map.get_mut(key) {
            Some(Entry {
                state: State::InProgress { done },
                ..
            }) => Some(
                done.get_or_insert_with(|| watch::channel(false).0)
                    .subscribe(),
            ),
            _ => None,
        };
        drop(entries);
        match receiver {
            Some(mut receiver) => Box::pin(async move {
                // An error means the sender is gone, i.e. the entry was replaced: done either way.
                let _ = receiver.wait_for(|done| *done).await;
            }),
            None => Box::pin(std::future::ready(())),
        }
    }
}

/// Locks the store's map. Every update of it is one insert, remove, replace or retain, so a map
/// whose lock was poisoned by a panic is still consistent and stays usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::{date, datetime};

    const ENDPOINT: &str = "/v1.0/transfer-va/payment";

    fn key(ext: &str, date: Date) -> ReplayKey {
        ReplayKey::new("QoinSnap".parse().unwrap(), ext.parse().unwrap(), date)
    }

    fn fp(n: u8) -> Fingerprint {
        Fingerprint::from_bytes([n; 32])
    }

    fn received(key: ReplayKey, fingerprint: Fingerprint) -> ReceivedRequest {
        ReceivedRequest::new(
            ServiceCode::TRANSFER_VA_PAYMENT,
            key,
            ENDPOINT,
            fingerprint,
            "2024-08-23T07:44:11+07:00".parse().unwrap(),
            datetime!(2024-08-23 00:44:12 UTC),
            Bytes::from_static(b"{}"),
        )
    }

    #[tokio::test]
    async fn lifecycle() {
        let store = MemoryReplayStore::new();
        let d = date!(2024 - 08 - 23);
        let k = key("1", d);
        assert_eq!(store.claim(&k, fp(1)).await.unwrap(), Claim::New);
        assert_eq!(store.claim(&k, fp(1)).await.unwrap(), Claim::InProgress);
        assert_eq!(store.claim(&k, fp(2)).await.unwrap(), Claim::Conflict);
        let waiter = store.wait(&k);
        let response = StoredResponse {
            status: 200,
            body: Bytes::from_static(b"{}"),
        };
        store
            .complete(&received(k.clone(), fp(1)), response.clone())
            .await
            .unwrap();
        waiter.await;
        assert_eq!(
            store.claim(&k, fp(1)).await.unwrap(),
            Claim::Duplicate(response)
        );
        assert_eq!(store.claim(&k, fp(2)).await.unwrap(), Claim::Conflict);

        let k2 = key("2", d);
        assert_eq!(store.claim(&k2, fp(1)).await.unwrap(), Claim::New);
        store.release(&k2).await.unwrap();
        assert_eq!(store.claim(&k2, fp(1)).await.unwrap(), Claim::New);
        // Another partner, another day: independent.
        let other = ReplayKey::new("Other".parse().unwrap(), "1".parse().unwrap(), d);
        assert_eq!(store.claim(&other, fp(9)).await.unwrap(), Claim::New);
        let next = key("1", d.next_day().unwrap());
        assert_eq!(store.claim(&next, fp(9)).await.unwrap(), Claim::New);
    }

    #[tokio::test]
    async fn old_days_expire() {
        let store = MemoryReplayStore::new();
        let d = date!(2024 - 08 - 23);
        for i in 0..200 {
            store.claim(&key(&i.to_string(), d), fp(0)).await.unwrap();
        }
        assert_eq!(store.len(), 200);
        for i in 0..200 {
            let next = key(&format!("n{i}"), d.next_day().unwrap());
            store.claim(&next, fp(0)).await.unwrap();
        }
        assert_eq!(store.len(), 200);
    }

    #[test]
    fn fingerprint_is_sha256_of_endpoint_and_body_digest() {
        let digest = snap_crypto::BodyDigest::of(b"{\"a\": 1}").unwrap();
        let mut message = ENDPOINT.as_bytes().to_vec();
        message.push(b'\n');
        message.extend_from_slice(digest.as_bytes());
        let expected = ring::digest::digest(&ring::digest::SHA256, &message);
        assert_eq!(
            &Fingerprint::new(ENDPOINT, &digest).as_bytes()[..],
            expected.as_ref()
        );
    }

    #[test]
    fn fingerprint_ignores_insignificant_whitespace() {
        let digest = |body: &[u8]| snap_crypto::BodyDigest::of(body).unwrap();
        let (pretty, compact, other) = (
            digest(b"{\"a\": 1}"),
            digest(b"{\"a\":1}"),
            digest(b"{\"a\":2}"),
        );
        let fingerprint = Fingerprint::new;
        assert_eq!(fingerprint("/p", &pretty), fingerprint("/p", &compact));
        assert_ne!(fingerprint("/p", &compact), fingerprint("/q", &compact));
        assert_ne!(fingerprint("/p", &compact), fingerprint("/p", &other));
    }
}
