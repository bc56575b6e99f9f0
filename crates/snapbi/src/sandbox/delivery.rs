//! Notification delivery to merchants, exactly as seed 000 describes: a B2B token from the
//! merchant's `/access-token/b2b` (RSA auth signature with the sandbox's key), then the
//! notification signed with HMAC-SHA512, retried with exponential backoff until the merchant
//! answers its success code. Every attempt goes to the delivery log; fault injection sits here.
//!
//! The signing and token handling is snap-http's [`SnapClient`] with a profile that describes
//! the merchant's endpoints: the sandbox is a client of the merchant.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use snap_crypto::{Clock, ExternalIdGenerator, Signer, TimestampStyle, format_timestamp};
use snap_http::{
    CallOptions, ClientConfig, ClientError, ProviderProfile, SignatureMode, SnapClient, SnapReply,
};
use snap_types::{
    Amount, Case, CustomerNo, ExternalId, Money, PartnerServiceId, ResponseCode, ServiceCode,
    Timestamp, VaPaymentNotification, VirtualAccountNo,
};
use time::OffsetDateTime;

use super::config::{DeliveryPolicy, Faults, MerchantConfig, Notifications};
use super::persist::Persist;
use super::scenario::{self, Scenario};
use super::state::{Flavor, Qr, Va};

/// Which notification a delivery carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Kind {
    /// VA payment (service 25).
    VaPayment,
    /// QR MPM notify (service 52).
    QrNotify,
    /// Direct-debit notify (service 56).
    DebitNotify,
}

impl Kind {
    pub(crate) fn service(self) -> ServiceCode {
        match self {
            Self::VaPayment => ServiceCode::TRANSFER_VA_PAYMENT,
            Self::QrNotify => ServiceCode::QR_MPM_NOTIFY,
            Self::DebitNotify => ServiceCode::DEBIT_NOTIFY,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DeliveryState {
    /// Not acknowledged yet; attempts continue.
    Pending,
    /// The merchant answered its success code.
    Delivered,
    /// Every attempt failed.
    Failed,
}

/// One attempt.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Attempt {
    pub(crate) attempt: u32,
    pub(crate) at: String,
    /// `sent`, `dropped` (fault injection), `error` (no answer), or `duplicate`.
    pub(crate) action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) http_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) response_code: Option<String>,
    pub(crate) detail: String,
    /// How long the merchant took to answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) elapsed_ms: Option<u64>,
    /// The request headers, secrets (`Authorization`, `X-SIGNATURE`) masked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) request_headers: Vec<(String, String)>,
    /// The merchant's answer body (its first 4 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) answer: Option<String>,
}

/// One notification and its attempts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Delivery {
    pub(crate) id: u64,
    pub(crate) kind: Kind,
    pub(crate) service: String,
    pub(crate) merchant: String,
    pub(crate) path: String,
    pub(crate) reference: String,
    pub(crate) external_id: String,
    pub(crate) state: DeliveryState,
    pub(crate) body: String,
    pub(crate) attempts: Vec<Attempt>,
    /// What the paid amount asked for (`scenario`), unless nothing.
    #[serde(default, skip_serializing_if = "Scenario::is_normal")]
    pub(crate) scenario: Scenario,
    /// The delivery this one sends again (`snapbi sandbox resend`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) resend_of: Option<u64>,
    /// The URL it goes to instead of the merchant's callback (a DANA order's `NOTIFICATION`
    /// URL); `path` is that URL then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) url: Option<String>,
}

/// Why a delivery is sent (what its payment's amount asked for, or which delivery it repeats),
/// and where, when not to the merchant's callback.
#[derive(Debug, Clone)]
struct Origin {
    scenario: Scenario,
    resend_of: Option<u64>,
    url: Option<String>,
}

/// One delivery being sent: what, to whom, where, and what its payment asked for.
struct Job {
    id: u64,
    merchant: usize,
    kind: Kind,
    body: Bytes,
    external_id: ExternalId,
    scenario: Scenario,
    /// A URL of its own instead of the merchant's callback.
    url: Option<String>,
}

/// What a merchant's signing client is made of, to make one for another base URL.
struct ClientMaker {
    client_id: String,
    channel_id: String,
    key: Arc<dyn Signer>,
    secret: Arc<dyn Signer>,
    profile: ProviderProfile,
    timeout: Duration,
    clock: Arc<dyn Clock>,
}

impl ClientMaker {
    /// A client of the merchant's endpoints under `base_url`.
    fn client(&self, base_url: &str) -> Result<SnapClient, String> {
        let config = ClientConfig::builder()
            .base_url(base_url)
            .client_id(self.client_id.parse().map_err(|e| format!("{e}"))?)
            .channel_id(self.channel_id.parse().map_err(|e| format!("{e}"))?)
            .private_key_arc(Arc::clone(&self.key))
            .client_secret_arc(Arc::clone(&self.secret))
            .profile(self.profile.clone())
            .build()
            .map_err(|e| e.to_string())?
            .with_request_timeout(self.timeout)
            .with_connect_timeout(self.timeout);
        SnapClient::with_clock(config, Arc::clone(&self.clock)).map_err(|e| e.to_string())
    }

    /// A client for an absolute URL, and the path (with query) to call there: the URL's own
    /// origin, signed over its own path.
    fn client_for_url(&self, url: &str) -> Result<(SnapClient, String), String> {
        let uri: http::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(format!("{url}: not an absolute URL"));
        };
        let path = uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        Ok((self.client(&format!("{scheme}://{authority}"))?, path))
    }
}

struct Link {
    client: SnapClient,
    /// Makes clients for URLs of the merchant's own choosing.
    maker: ClientMaker,
    merchant: String,
    paths: [String; 3],
    /// The headers every notification to this merchant carries, secrets masked (the log shows
    /// them; X-TIMESTAMP and X-EXTERNAL-ID are added per attempt).
    headers: Vec<(String, String)>,
}

/// Delivers notifications and keeps the log.
pub(crate) struct Notifier {
    links: Vec<Link>,
    policy: DeliveryPolicy,
    faults: Mutex<Faults>,
    drops_left: AtomicU32,
    log: Mutex<Vec<Delivery>>,
    next_id: AtomicU64,
    ids: ExternalIdGenerator,
    clock: Arc<dyn Clock>,
    /// With `--data`: where every delivery is saved as it changes.
    persist: Option<Arc<Persist>>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Notifier {
    /// A notifier with one signing client per merchant.
    pub(crate) fn new(
        merchants: &[MerchantConfig],
        key: Arc<dyn Signer>,
        policy: DeliveryPolicy,
        faults: Faults,
        clock: Arc<dyn Clock>,
        persist: Option<Arc<Persist>>,
    ) -> Result<Self, String> {
        let mut links = Vec::with_capacity(merchants.len());
        for m in merchants {
            let cb = &m.callback;
            let mode = match cb.signature {
                Notifications::Symmetric => SignatureMode::Symmetric,
                Notifications::Asymmetric => SignatureMode::Asymmetric,
            };
            let profile =
                ProviderProfile::new(format!("merchant {}", m.client_id), cb.token_path.clone())
                    .with_path(ServiceCode::TRANSFER_VA_INQUIRY, cb.va_inquiry_path.clone())
                    .with_path(ServiceCode::TRANSFER_VA_PAYMENT, cb.va_payment_path.clone())
                    .with_path(ServiceCode::QR_MPM_NOTIFY, cb.qr_notify_path.clone())
                    .with_path(ServiceCode::DEBIT_NOTIFY, cb.debit_notify_path.clone())
                    .with_signature_mode(mode);
            let maker = ClientMaker {
                client_id: cb.client_id.clone(),
                channel_id: cb.channel_id.clone(),
                key: Arc::clone(&key),
                secret: Arc::new(snap_crypto::ClientSecret::from_bytes(&cb.client_secret)),
                profile,
                timeout: policy.request_timeout,
                clock: Arc::clone(&clock),
            };
            let client = maker
                .client(&cb.base_url)
                .map_err(|e| format!("merchant {}: callback: {e}", m.client_id))?;
            let mut headers = vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("X-PARTNER-ID".to_owned(), cb.client_id.clone()),
                ("CHANNEL-ID".to_owned(), cb.channel_id.clone()),
                ("X-SIGNATURE".to_owned(), MASKED.to_owned()),
            ];
            if mode == SignatureMode::Symmetric {
                headers.push(("Authorization".to_owned(), format!("Bearer {MASKED}")));
            }
            links.push(Link {
                client,
                maker,
                headers,
                merchant: m.client_id.clone(),
                paths: [
                    cb.va_payment_path.clone(),
                    cb.qr_notify_path.clone(),
                    cb.debit_notify_path.clone(),
                ],
            });
        }
        let drops = faults.drop_first;
        Ok(Self {
            links,
            policy,
            faults: Mutex::new(faults),
            drops_left: AtomicU32::new(drops),
            log: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
            ids: ExternalIdGenerator::new(),
            clock,
            persist,
        })
    }

    /// Calls a merchant's VA inquiry (24) now, signed as its notifications are: the merchant's
    /// answer, or why there is none.
    pub(crate) async fn inquire(
        &self,
        merchant: usize,
        body: Vec<u8>,
    ) -> Result<SnapReply, String> {
        let link = self.links.get(merchant).ok_or("no such merchant")?;
        let external_id: ExternalId = self
            .ids
            .next_id_with(self.clock.as_ref())
            .parse()
            .map_err(|e| format!("external id: {e}"))?;
        let options = CallOptions::new().with_external_id(external_id);
        link.client
            .call_raw(
                ServiceCode::TRANSFER_VA_INQUIRY,
                Bytes::from(body),
                &options,
            )
            .await
            .map_err(|e| format!("inquiry at merchant {}: {e}", link.merchant))
    }

    /// The current faults.
    pub(crate) fn faults(&self) -> Faults {
        self.faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the faults; `drop_first` starts counting again.
    pub(crate) fn set_faults(&self, faults: Faults) {
        self.drops_left.store(faults.drop_first, Ordering::SeqCst);
        *self
            .faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = faults;
    }

    /// The log, oldest first.
    pub(crate) fn deliveries(&self) -> Vec<Delivery> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// One delivery by id.
    pub(crate) fn delivery(&self, id: u64) -> Option<Delivery> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|d| d.id == id)
            .cloned()
    }

    /// Waits until the delivery is no longer pending (or `timeout` passes) and returns it.
    pub(crate) async fn wait(&self, id: u64, timeout: Duration) -> Option<Delivery> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let delivery = self.delivery(id)?;
            if delivery.state != DeliveryState::Pending || tokio::time::Instant::now() >= deadline {
                return Some(delivery);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn update(&self, id: u64, change: impl FnOnce(&mut Delivery)) {
        let mut log = self
            .log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(d) = log.iter_mut().find(|d| d.id == id) {
            change(d);
            self.save(d);
        }
    }

    /// With `--data`, commits `delivery` (called with the log locked, so saves keep its order).
    fn save(&self, delivery: &Delivery) {
        let Some(persist) = &self.persist else {
            return;
        };
        let saved = serde_json::to_vec(delivery).map_err(|e| e.to_string());
        if let Err(e) = saved.and_then(|document| persist.save_delivery(delivery.id, &document)) {
            tracing::error!(delivery = delivery.id, error = %e, "the delivery was not saved to --data");
        }
    }

    /// With `--data`: loads the saved log and sends every delivery still pending (the outbox)
    /// again, with its X-EXTERNAL-ID and body.
    pub(crate) fn restore(self: &Arc<Self>) -> Result<(), String> {
        let Some(persist) = &self.persist else {
            return Ok(());
        };
        let mut restored = Vec::new();
        for document in persist.deliveries()? {
            let delivery: Delivery = serde_json::from_slice(&document)
                .map_err(|e| format!("sandbox data: a stored delivery is unreadable: {e}"))?;
            restored.push(delivery);
        }
        restored.sort_by_key(|d| d.id);
        let next = restored.last().map_or(1, |d| d.id + 1);
        self.next_id.fetch_max(next, Ordering::SeqCst);
        let outbox: Vec<Delivery> = restored
            .iter()
            .filter(|d| d.state == DeliveryState::Pending)
            .cloned()
            .collect();
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(restored);
        for d in outbox {
            let Some(merchant) = self.links.iter().position(|l| l.merchant == d.merchant) else {
                tracing::warn!(delivery = d.id, merchant = %d.merchant, "pending delivery for a merchant no longer configured");
                continue;
            };
            let external_id: ExternalId = d
                .external_id
                .parse()
                .map_err(|e| format!("sandbox data: delivery {}: {e}", d.id))?;
            tracing::info!(
                delivery = d.id,
                "sending a delivery left pending before the restart"
            );
            let job = Job {
                id: d.id,
                merchant,
                kind: d.kind,
                body: Bytes::from(d.body.into_bytes()),
                external_id,
                scenario: d.scenario,
                url: d.url,
            };
            tokio::spawn(Arc::clone(self).run(job));
        }
        Ok(())
    }

    /// Logs a new delivery and starts sending it in the background, as `scenario` asks, to the
    /// merchant's callback or to `url`; returns its id.
    pub(crate) fn enqueue(
        self: &Arc<Self>,
        merchant: usize,
        kind: Kind,
        reference: &str,
        body: Vec<u8>,
        scenario: Scenario,
        url: Option<String>,
    ) -> Result<u64, String> {
        let external_id: ExternalId = self
            .ids
            .next_id_with(self.clock.as_ref())
            .parse()
            .map_err(|e| format!("external id: {e}"))?;
        let origin = Origin {
            scenario,
            resend_of: None,
            url,
        };
        self.start(merchant, kind, reference, body, external_id, origin)
    }

    /// Sends delivery `id` again as a new delivery: the same X-EXTERNAL-ID and body, a new
    /// X-TIMESTAMP and signature (so a merchant can test its idempotent handling). Returns the
    /// new delivery's id.
    pub(crate) fn resend(self: &Arc<Self>, id: u64) -> Result<u64, String> {
        let original = self.delivery(id).ok_or("no such delivery")?;
        let merchant = self
            .links
            .iter()
            .position(|l| l.merchant == original.merchant)
            .ok_or("its merchant is no longer configured")?;
        let external_id: ExternalId = original
            .external_id
            .parse()
            .map_err(|e| format!("external id: {e}"))?;
        self.start(
            merchant,
            original.kind,
            &original.reference,
            original.body.into_bytes(),
            external_id,
            Origin {
                scenario: Scenario::Normal,
                resend_of: Some(id),
                url: original.url,
            },
        )
    }

    fn start(
        self: &Arc<Self>,
        merchant: usize,
        kind: Kind,
        reference: &str,
        body: Vec<u8>,
        external_id: ExternalId,
        origin: Origin,
    ) -> Result<u64, String> {
        let Origin {
            scenario,
            resend_of,
            url,
        } = origin;
        let link = self.links.get(merchant).ok_or("no such merchant")?;
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let path = match (&url, kind) {
            (Some(url), _) => url,
            (None, Kind::VaPayment) => &link.paths[0],
            (None, Kind::QrNotify) => &link.paths[1],
            (None, Kind::DebitNotify) => &link.paths[2],
        };
        let delivery = Delivery {
            id,
            kind,
            service: kind.service().to_string(),
            merchant: link.merchant.clone(),
            path: path.clone(),
            reference: reference.to_owned(),
            external_id: external_id.as_str().to_owned(),
            state: DeliveryState::Pending,
            body: String::from_utf8_lossy(&body).into_owned(),
            attempts: Vec::new(),
            scenario,
            resend_of,
            url: url.clone(),
        };
        {
            let mut log = self
                .log
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            self.save(&delivery);
            log.push(delivery);
        }
        let job = Job {
            id,
            merchant,
            kind,
            body: Bytes::from(body),
            external_id,
            scenario,
            url,
        };
        tokio::spawn(Arc::clone(self).run(job));
        Ok(id)
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
        self.policy
            .initial_backoff
            .saturating_mul(factor)
            .min(self.policy.max_backoff)
    }

    fn take_drop(&self) -> bool {
        self.drops_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    async fn run(self: Arc<Self>, job: Job) {
        let Job {
            id,
            merchant,
            kind,
            body,
            external_id,
            scenario,
            url,
        } = job;
        let Some(link) = self.links.get(merchant) else {
            return;
        };
        // A URL of its own: the merchant's signing client for that URL's origin and path.
        let (client, path) = match url.as_deref().map(|u| link.maker.client_for_url(u)) {
            None => (link.client.clone(), None),
            Some(Ok((client, path))) => (client, Some(path)),
            Some(Err(e)) => {
                tracing::warn!(delivery = id, error = %e, "delivery URL refused");
                self.update(id, |d| d.state = DeliveryState::Failed);
                return;
            }
        };
        if scenario == Scenario::Delay {
            tokio::time::sleep(scenario::DELAY).await;
        }
        let expected = ResponseCode::of(Case::Successful, kind.service());
        let external_text = external_id.as_str().to_owned();
        let mut options = CallOptions::new().with_external_id(external_id);
        if let Some(path) = path {
            options = options.with_path(path);
        }
        // A delivery resumed after a restart (`--data`) numbers its attempts after the saved ones.
        let before = self
            .delivery(id)
            .map_or(0, |d| u32::try_from(d.attempts.len()).unwrap_or(u32::MAX));
        for attempt in 1..=self.policy.max_attempts {
            let faults = self.faults();
            if faults.delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(faults.delay_ms)).await;
            }
            let at = format_timestamp(self.clock.now(), TimestampStyle::Wib);
            if self.take_drop() {
                tracing::info!(
                    delivery = id,
                    attempt,
                    "delivery dropped by fault injection"
                );
                self.update(id, |d| {
                    d.attempts.push(Attempt {
                        attempt: before + attempt,
                        at,
                        action: "dropped".into(),
                        http_status: None,
                        response_code: None,
                        detail: "not sent (fault injection: drop_first)".into(),
                        elapsed_ms: None,
                        request_headers: Vec::new(),
                        answer: None,
                    });
                });
            } else {
                let started = std::time::Instant::now();
                let result = client
                    .call_raw(kind.service(), body.clone(), &options)
                    .await;
                let mut record = attempt_record(before + attempt, at, "sent", &result);
                link.describe(&mut record, &external_text, started);
                let delivered = matches!(&result, Ok(reply) if reply.response_code() == expected && reply.http_status() == 200);
                tracing::info!(delivery = id, attempt, result = %record.detail, "notification sent");
                self.update(id, |d| {
                    d.attempts.push(record);
                    if delivered {
                        d.state = DeliveryState::Delivered;
                    }
                });
                if delivered {
                    if faults.duplicate || scenario == Scenario::Duplicate {
                        let at = format_timestamp(self.clock.now(), TimestampStyle::Wib);
                        let started = std::time::Instant::now();
                        let result = client
                            .call_raw(kind.service(), body.clone(), &options)
                            .await;
                        let mut record =
                            attempt_record(before + attempt + 1, at, "duplicate", &result);
                        link.describe(&mut record, &external_text, started);
                        tracing::info!(delivery = id, result = %record.detail, "duplicate sent (fault injection)");
                        self.update(id, |d| d.attempts.push(record));
                    }
                    return;
                }
            }
            if attempt < self.policy.max_attempts {
                tokio::time::sleep(self.backoff(attempt)).await;
            }
        }
        tracing::warn!(delivery = id, "delivery failed after every attempt");
        self.update(id, |d| d.state = DeliveryState::Failed);
    }
}

/// What the delivery log shows in place of a secret.
const MASKED: &str = "••••••";

/// How much of a merchant's answer the log keeps.
const ANSWER_LIMIT: usize = 4096;

impl Link {
    /// Adds the request headers (secrets masked; X-TIMESTAMP is the attempt's `at`, give or
    /// take the second the token request may take) and the time the exchange took.
    fn describe(&self, record: &mut Attempt, external_id: &str, started: std::time::Instant) {
        record.elapsed_ms = Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
        let mut headers = self.headers.clone();
        headers.push(("X-EXTERNAL-ID".to_owned(), external_id.to_owned()));
        record.request_headers = headers;
    }
}

fn attempt_record(
    attempt: u32,
    at: String,
    action: &'static str,
    result: &Result<snap_http::SnapReply, ClientError>,
) -> Attempt {
    match result {
        Ok(reply) => Attempt {
            attempt,
            at,
            action: action.into(),
            http_status: Some(reply.http_status()),
            response_code: Some(reply.response_code().to_string()),
            detail: format!("{} {}", reply.response_code(), reply.response_message()),
            elapsed_ms: None,
            request_headers: Vec::new(),
            answer: Some(
                String::from_utf8_lossy(&reply.body()[..reply.body().len().min(ANSWER_LIMIT)])
                    .into_owned(),
            ),
        },
        Err(e) => Attempt {
            attempt,
            at,
            action: if action == "sent" { "error" } else { action }.into(),
            http_status: None,
            response_code: e.response_code().map(|c| c.to_string()),
            detail: e.to_string(),
            elapsed_ms: None,
            request_headers: Vec::new(),
            answer: None,
        },
    }
}

/// 1.00 more than `amount` (the wrong-amount fault).
pub(crate) fn skew(amount: Amount) -> Amount {
    Amount::new(amount.minor_units().saturating_add(100)).unwrap_or(amount)
}

fn stamp(t: OffsetDateTime) -> Result<Timestamp, String> {
    format_timestamp(t, TimestampStyle::Wib)
        .parse()
        .map_err(|e| format!("timestamp: {e}"))
}

/// The VA payment notification (service 25) of seed 000.
pub(crate) fn va_payment_body(
    va: &Va,
    amount: Amount,
    flag: &str,
    now: OffsetDateTime,
) -> Result<Vec<u8>, String> {
    let info = RawValue::from_string(format!(r#"{{"paymentFlagStatus":"{flag}"}}"#))
        .map_err(|e| e.to_string())?;
    let psid: PartnerServiceId = va
        .partner_service_id
        .parse()
        .map_err(|e| format!("partnerServiceId: {e}"))?;
    let customer_no: CustomerNo = va
        .customer_no
        .parse()
        .map_err(|e| format!("customerNo: {e}"))?;
    let va_no: VirtualAccountNo = va
        .virtual_account_no
        .parse()
        .map_err(|e| format!("virtualAccountNo: {e}"))?;
    let body = VaPaymentNotification {
        additional_info: Some(info),
        customer_no: Some(customer_no),
        paid_amount: Money::idr(amount),
        partner_service_id: psid,
        payment_request_id: Some(String::new()),
        reference_no: va.reference_no.clone(),
        trx_date_time: stamp(now)?,
        trx_id: va.trx_id.clone(),
        virtual_account_email: va.email.clone(),
        virtual_account_name: va.name.clone(),
        virtual_account_no: va_no,
        virtual_account_phone: va.phone.clone(),
    };
    serde_json::to_vec(&body).map_err(|e| e.to_string())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QrNotifyBody {
    original_partner_reference_no: String,
    original_reference_no: String,
    transaction_date: Timestamp,
    latest_transaction_status: &'static str,
    transaction_status_desc: &'static str,
    amount: Money,
}

/// The QR MPM notify body (service 52): seed 003's fields, plus the status and amount.
pub(crate) fn qr_notify_body(
    qr: &Qr,
    amount: Amount,
    now: OffsetDateTime,
) -> Result<Vec<u8>, String> {
    serde_json::to_vec(&QrNotifyBody {
        original_partner_reference_no: qr.partner_reference_no.clone(),
        original_reference_no: qr.reference_no.clone(),
        transaction_date: stamp(now)?,
        latest_transaction_status: "00",
        transaction_status_desc: "Success",
        amount: Money::idr(amount),
    })
    .map_err(|e| e.to_string())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DebitNotifyBody {
    additional_info: DebitInfo,
    created_time: String,
    latest_transaction_status: &'static str,
    original_partner_reference_no: String,
    original_reference_no: String,
    transaction_status_desc: &'static str,
}

#[derive(Serialize)]
struct DebitInfo {
    amount: Money,
}

/// The debit notify body (service 56) of seed 001, which QoinHub sends for QR payments; the
/// amount goes in `additionalInfo`.
pub(crate) fn debit_notify_body(
    qr: &Qr,
    amount: Amount,
    now: OffsetDateTime,
) -> Result<Vec<u8>, String> {
    let local = now.to_offset(snap_types::JAKARTA);
    let created_time = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute(),
        local.second()
    );
    serde_json::to_vec(&DebitNotifyBody {
        additional_info: DebitInfo {
            amount: Money::idr(amount),
        },
        created_time,
        latest_transaction_status: "00",
        original_partner_reference_no: qr.partner_reference_no.clone(),
        original_reference_no: qr.reference_no.clone(),
        transaction_status_desc: "Success",
    })
    .map_err(|e| e.to_string())
}

/// `channelCode` of the VA inquiry (24) and payment (25) bodies: ISO 18245 `6011` (ATM), a JSON
/// number as the standard's tables say, a string as DOKU sends it (its PHP SDK's
/// `InquiryRequestBodyDto`, its VA notification samples).
pub(crate) fn channel_code(flavor: Flavor) -> serde_json::Value {
    match flavor {
        Flavor::Doku => serde_json::json!("6011"),
        _ => serde_json::json!(6011),
    }
}

/// The standard's VA payment (service 25) body for a VA created through a standard profile:
/// the VA identity, `paymentRequestId` (the inquiry's id when one came first), `channelCode`
/// (in the VA's dialect), the amounts, `trxDateTime`, `referenceNo`, `flagAdvise` `N`, and
/// `paymentFlagStatus` in `additionalInfo`.
pub(crate) fn standard_va_payment_body(
    va: &Va,
    amount: Amount,
    flag: &str,
    now: OffsetDateTime,
) -> Result<Vec<u8>, String> {
    let mut body = serde_json::json!({
        "partnerServiceId": va.partner_service_id,
        "customerNo": va.customer_no,
        "virtualAccountNo": va.virtual_account_no,
        "virtualAccountName": va.name,
        "trxId": va.trx_id,
        "paymentRequestId": va.payment_request_id.clone().unwrap_or_else(|| va.reference_no.clone()),
        "channelCode": channel_code(va.flavor),
        "paidAmount": Money::idr(amount),
        "trxDateTime": stamp(now)?,
        "referenceNo": va.reference_no,
        "flagAdvise": "N",
        "additionalInfo": {"paymentFlagStatus": flag},
    });
    if va.amount != Amount::ZERO {
        body["totalAmount"] = serde_json::json!(Money::idr(va.amount));
    }
    if va.trx_id.is_empty() {
        // A biller's VA (inquiry first) has no trxId of the merchant's.
        if let Some(map) = body.as_object_mut() {
            map.remove("trxId");
        }
    }
    serde_json::to_vec(&body).map_err(|e| e.to_string())
}

/// The standard's QR MPM notify (service 52) body.
pub(crate) fn standard_qr_notify_body(
    qr: &Qr,
    amount: Amount,
    now: OffsetDateTime,
) -> Result<Vec<u8>, String> {
    serde_json::to_vec(&serde_json::json!({
        "originalReferenceNo": qr.reference_no,
        "originalPartnerReferenceNo": qr.partner_reference_no,
        "latestTransactionStatus": "00",
        "transactionStatusDesc": "Success",
        "amount": Money::idr(amount),
        "additionalInfo": {"paidTime": stamp(now)?},
    }))
    .map_err(|e| e.to_string())
}
