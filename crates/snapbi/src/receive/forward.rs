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
//! reject old timestamps. Delivery is at least once: a notification is marked delivered only after a
//! 2xx answer, failures are retried with exponential backoff (1 s doubling to 5 min), and the state
//! lives in the journal, so delivery resumes after a restart. Receivers should de-duplicate on `id`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use ring::hmac;
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::sync::Notify;
use zeroize::Zeroizing;

use super::journal::{Delivery, Journal, Record};

/// The header carrying our signature.
pub(crate) const SIGNATURE_HEADER: &str = "x-snap-forward-signature";
const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(300);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const IN_FLIGHT: usize = 16;

/// The JSON body posted for each notification.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    id: u64,
    service: &'a str,
    partner: &'a str,
    external_id: &'a str,
    received_at: &'a str,
    summary: &'a serde_json::Value,
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

/// Delivers undelivered notifications until shut down.
pub(crate) struct Forwarder {
    journal: Journal,
    url: http::Uri,
    secret: Zeroizing<Vec<u8>>,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    wake: std::sync::Arc<Notify>,
}

impl Forwarder {
    /// A forwarder posting to `url`; `wake` is notified when a new notification is stored.
    pub(crate) fn new(
        journal: Journal,
        url: &str,
        secret: Zeroizing<Vec<u8>>,
        wake: std::sync::Arc<Notify>,
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
            journal,
            url,
            secret,
            client,
            wake,
        })
    }

    /// Runs until `shutdown` resolves.
    pub(crate) async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut not_before: HashMap<u64, Instant> = HashMap::new();
        loop {
            let next = self.pass(&mut not_before).await;
            let sleep = next.map_or(Duration::from_secs(5), |at| {
                at.saturating_duration_since(Instant::now())
            });
            tokio::select! {
                () = &mut shutdown => return,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(sleep) => {}
            }
        }
    }

    /// Attempts every due delivery once; returns when the next retry is due.
    async fn pass(&self, not_before: &mut HashMap<u64, Instant>) -> Option<Instant> {
        let pending = match self.journal.undelivered() {
            Ok(pending) => pending,
            Err(e) => {
                tracing::error!(error = %e, "cannot read undelivered notifications");
                return Some(Instant::now() + FIRST_RETRY);
            }
        };
        let now = Instant::now();
        let due: Vec<(u64, Delivery)> = pending
            .into_iter()
            .filter(|(id, _)| not_before.get(id).is_none_or(|at| *at <= now))
            .collect();
        for chunk in due.chunks(IN_FLIGHT) {
            let attempts = chunk
                .iter()
                .map(|(id, state)| self.attempt(*id, state.clone()));
            for (id, delivery) in futures_util::future::join_all(attempts).await {
                if delivery.delivered {
                    not_before.remove(&id);
                } else {
                    let backoff = FIRST_RETRY
                        .saturating_mul(1 << delivery.attempts.saturating_sub(1).min(16))
                        .min(MAX_RETRY);
                    not_before.insert(id, Instant::now() + backoff);
                }
                if let Err(e) = self.journal.set_delivery(id, delivery).await {
                    tracing::error!(error = %e, id, "cannot record delivery state");
                }
            }
        }
        not_before.values().min().copied()
    }

    async fn attempt(&self, id: u64, mut state: Delivery) -> (u64, Delivery) {
        state.attempts += 1;
        match self.post(id).await {
            Ok(()) => {
                state.delivered = true;
                state.last_error = None;
                tracing::info!(id, attempts = state.attempts, "forwarded");
            }
            Err(e) => {
                tracing::warn!(id, attempts = state.attempts, error = %e, "forward failed; will retry");
                state.last_error = Some(e);
            }
        }
        (id, state)
    }

    async fn post(&self, id: u64) -> Result<(), String> {
        let Some((record, body)) = self.journal.get(id).map_err(|e| e.to_string())? else {
            return Err(format!("notification {id} is not in the journal"));
        };
        let payload = envelope(&record, &body)?;
        let unix = snap_crypto::Clock::now(&snap_crypto::SystemClock).unix_timestamp();
        let request = http::Request::post(self.url.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(
                SIGNATURE_HEADER,
                signature_header(&self.secret, unix, &payload),
            )
            .body(Full::new(Bytes::from(payload)))
            .map_err(|e| e.to_string())?;
        let response = tokio::time::timeout(ATTEMPT_TIMEOUT, self.client.request(request))
            .await
            .map_err(|_| "timed out".to_owned())?
            .map_err(|e| format!("{e}"))?;
        let status = response.status();
        // Drain the body so the connection can be reused.
        let _ = tokio::time::timeout(ATTEMPT_TIMEOUT, response.into_body().collect()).await;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("target answered {status}"))
        }
    }
}

/// The envelope of one stored notification.
pub(crate) fn envelope(record: &Record, body: &[u8]) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(body)
        .map_err(|_| format!("notification {} body is not UTF-8", record.id))?;
    let notification: &RawValue =
        serde_json::from_str(text).map_err(|e| format!("notification {} body: {e}", record.id))?;
    serde_json::to_vec(&Envelope {
        id: record.id,
        service: &record.service,
        partner: &record.partner,
        external_id: &record.external_id,
        received_at: &record.received_at,
        summary: &record.summary,
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
