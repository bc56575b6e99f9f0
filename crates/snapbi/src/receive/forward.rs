//! `--forward URL`: hands every stored notification on to the merchant's own service.
//!
//! Each notification is POSTed as plain JSON (an envelope holding the notification exactly as the
//! provider sent it) with the header
//!
//! ```text
//! X-Snap-Forward-Signature: t=<unix seconds>,v1=<lowerhex HMAC-SHA256(secret, "<t>.<body>")>
//! ```
//!
//! so any language can verify it: recompute the HMAC over the decimal timestamp, a dot and the raw
//! request body with the `forward_secret` of the receiver's config, compare in constant time, and
//! reject old timestamps.
//!
//! Deliveries come from the store's outbox, written in the same transaction as the notification:
//! several receivers on one database share them, and an entry taken by one is locked for the
//! others while it is being sent. A notification is marked delivered only after a 2xx answer;
//! failures are retried with exponential backoff (1 s doubling to 5 min), and the state lives in
//! the store, so delivery resumes after a restart or on another instance. A receiver killed after
//! the target answered but before the state was stored sends that notification again: targets
//! de-duplicate on `id`. A notification that can never be sent (its record is unreadable, or its
//! body is not JSON) is abandoned, and its state says why.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use ring::hmac;
use serde::Serialize;
use serde_json::value::RawValue;
use snap_store::{Delivery, NotificationStore, StoredNotification, Summary};
use std::sync::Arc;
use zeroize::Zeroizing;

/// The header carrying our signature.
pub(crate) const SIGNATURE_HEADER: &str = "x-snap-forward-signature";
const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(300);
/// The longest an attempt may take (shorter with a short lease: see [`Forwarder::new`]).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const IN_FLIGHT: usize = 16;
/// How often the outbox is read when it was empty (other instances add to a shared one).
const IDLE_POLL: Duration = Duration::from_millis(250);

/// The JSON body posted for each notification.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    id: u64,
    service: String,
    partner: &'a str,
    external_id: &'a str,
    received_at: String,
    summary: &'a Summary,
    notification: &'a RawValue,
}

/// Signs a forwarded body: `t=<unix>,v1=<hex hmac-sha256(secret, "<unix>.<body>")>`.
pub(crate) fn signature_header(secret: &[u8], unix_seconds: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(unix_seconds.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    let tag = ctx.sign();
    format!("t={unix_seconds},v1={}", super::hex(tag.as_ref()))
}

/// Delivers the outbox until shut down.
pub(crate) struct Forwarder {
    store: Arc<NotificationStore>,
    url: http::Uri,
    secret: Zeroizing<Vec<u8>>,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    /// How long a taken entry stays locked for other instances (the claim lease): when this
    /// instance dies, another one sends the entry after it.
    lock: Duration,
    /// Shorter than `lock`, so an entry is never sent while its lock has run out.
    attempt_timeout: Duration,
}

/// Why an attempt failed.
enum Failure {
    /// Worth trying again later.
    Retry(String),
    /// Can never succeed.
    Never(String),
}

impl Forwarder {
    /// A forwarder posting to `url`; entries it takes are locked for `lock`.
    pub(crate) fn new(
        store: Arc<NotificationStore>,
        url: &str,
        secret: Zeroizing<Vec<u8>>,
        lock: Duration,
    ) -> Result<Self, String> {
        let url: http::Uri = url.parse().map_err(|e| format!("--forward {url:?}: {e}"))?;
        if !matches!(url.scheme_str(), Some("http" | "https")) || url.host().is_none() {
            return Err(format!(
                "--forward {url}: an http:// or https:// URL is needed"
            ));
        }
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Self {
            store,
            url,
            secret,
            client,
            lock,
            attempt_timeout: ATTEMPT_TIMEOUT.min(lock.mul_f64(0.8)),
        })
    }

    /// Runs until `shutdown` resolves.
    pub(crate) async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let busy = self.pass().await;
            if busy {
                continue;
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }

    /// Takes due entries and attempts each once; whether there was anything to do.
    async fn pass(&self) -> bool {
        let taken = match self.store.take_deliveries(IN_FLIGHT, self.lock).await {
            Ok(taken) => taken,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox");
                tokio::time::sleep(FIRST_RETRY).await;
                return false;
            }
        };
        if taken.is_empty() {
            return false;
        }
        let attempts = taken.into_iter().map(|entry| async move {
            let (id, before, result) = match entry {
                Ok(delivery) => (
                    delivery.notification.id,
                    delivery.attempts,
                    self.attempt(&delivery).await,
                ),
                Err(unreadable) => (unreadable.id, 0, Err(Failure::Never(unreadable.reason))),
            };
            let stored = match result {
                Ok(()) => self.store.delivered(id).await,
                Err(Failure::Retry(e)) => {
                    tracing::warn!(id = id.0, error = %e, "forward failed; will retry");
                    let backoff = FIRST_RETRY
                        .saturating_mul(1 << before.min(16))
                        .min(MAX_RETRY);
                    self.store.retry_later(id, &e, backoff).await
                }
                Err(Failure::Never(e)) => {
                    tracing::error!(id = id.0, error = %e, "forward gave up: this notification can never be sent");
                    self.store
                        .abandon(id, &format!("can never be sent: {e}"))
                        .await
                }
            };
            if let Err(e) = stored {
                tracing::error!(id = id.0, error = %e, "cannot record the delivery state");
            }
        });
        futures_util::future::join_all(attempts).await;
        true
    }

    async fn attempt(&self, delivery: &Delivery) -> Result<(), Failure> {
        let payload = envelope(&delivery.notification).map_err(Failure::Never)?;
        let unix = snap_crypto::Clock::now(&snap_crypto::SystemClock).unix_timestamp();
        let request = http::Request::post(self.url.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(
                SIGNATURE_HEADER,
                signature_header(&self.secret, unix, &payload),
            )
            .body(Full::new(Bytes::from(payload)))
            .map_err(|e| Failure::Never(e.to_string()))?;
        let response = tokio::time::timeout(self.attempt_timeout, self.client.request(request))
            .await
            .map_err(|_| Failure::Retry("timed out".to_owned()))?
            .map_err(|e| Failure::Retry(e.to_string()))?;
        let status = response.status();
        // Drain the body so the connection can be reused.
        let _ = tokio::time::timeout(self.attempt_timeout, response.into_body().collect()).await;
        if status.is_success() {
            tracing::info!(
                id = delivery.notification.id.0,
                attempts = delivery.attempts + 1,
                "forwarded"
            );
            Ok(())
        } else {
            Err(Failure::Retry(format!("target answered {status}")))
        }
    }
}

/// The envelope of one stored notification; an error means it can never be sent.
pub(crate) fn envelope(stored: &StoredNotification) -> Result<Vec<u8>, String> {
    let n = &stored.notification;
    let text = std::str::from_utf8(&n.body).map_err(|_| "its body is not UTF-8".to_owned())?;
    let notification: &RawValue =
        serde_json::from_str(text).map_err(|e| format!("its body is not JSON: {e}"))?;
    serde_json::to_vec(&Envelope {
        id: stored.id.0,
        service: n.service.to_string(),
        partner: n.partner_id.as_str(),
        external_id: n.external_id.as_str(),
        received_at: super::inbox::rfc3339(n.received_at),
        summary: &stored.summary,
        notification,
    })
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Known answer computed with `printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret`.
    #[test]
    fn signature_known_answer() {
        assert_eq!(
            signature_header(b"secret", 1_700_000_000, br#"{"a":1}"#),
            "t=1700000000,v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
        );
    }
}
