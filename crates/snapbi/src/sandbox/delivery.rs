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
use serde::Serialize;
use serde_json::value::RawValue;
use snap_crypto::{Clock, ExternalIdGenerator, Signer, TimestampStyle, format_timestamp};
use snap_http::{CallOptions, ClientConfig, ClientError, ProviderProfile, SnapClient};
use snap_types::{
    Amount, Case, CustomerNo, ExternalId, Money, PartnerServiceId, ResponseCode, ServiceCode,
    Timestamp, VaPaymentNotification, VirtualAccountNo,
};
use time::OffsetDateTime;

use super::config::{DeliveryPolicy, Faults, MerchantConfig};
use super::state::{Qr, Va};

/// Which notification a delivery carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Attempt {
    pub(crate) attempt: u32,
    pub(crate) at: String,
    /// `sent`, `dropped` (fault injection), `error` (no answer), or `duplicate`.
    pub(crate) action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) http_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) response_code: Option<String>,
    pub(crate) detail: String,
}

/// One notification and its attempts.
#[derive(Debug, Clone, Serialize)]
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
}

struct Link {
    client: SnapClient,
    merchant: String,
    paths: [String; 3],
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
    ) -> Result<Self, String> {
        let mut links = Vec::with_capacity(merchants.len());
        for m in merchants {
            let cb = &m.callback;
            let profile =
                ProviderProfile::new(format!("merchant {}", m.client_id), cb.token_path.clone())
                    .with_path(ServiceCode::TRANSFER_VA_PAYMENT, cb.va_payment_path.clone())
                    .with_path(ServiceCode::QR_MPM_NOTIFY, cb.qr_notify_path.clone())
                    .with_path(ServiceCode::DEBIT_NOTIFY, cb.debit_notify_path.clone());
            let callback =
                |e: &dyn std::fmt::Display| format!("merchant {}: callback: {e}", m.client_id);
            let config = ClientConfig::builder()
                .base_url(&cb.base_url)
                .client_id(cb.client_id.parse().map_err(|e| callback(&e))?)
                .channel_id(cb.channel_id.parse().map_err(|e| callback(&e))?)
                .private_key_arc(Arc::clone(&key))
                .client_secret(snap_crypto::ClientSecret::from_bytes(&cb.client_secret))
                .profile(profile)
                .build()
                .map_err(|e| callback(&e))?
                .with_request_timeout(policy.request_timeout)
                .with_connect_timeout(policy.request_timeout);
            let client = SnapClient::with_clock(config, Arc::clone(&clock))
                .map_err(|e| format!("merchant {}: callback client: {e}", m.client_id))?;
            links.push(Link {
                client,
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
        })
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
        }
    }

    /// Logs a new delivery and starts sending it in the background; returns its id.
    pub(crate) fn enqueue(
        self: &Arc<Self>,
        merchant: usize,
        kind: Kind,
        reference: &str,
        body: Vec<u8>,
    ) -> Result<u64, String> {
        let link = self.links.get(merchant).ok_or("no such merchant")?;
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let external_id: ExternalId = self
            .ids
            .next_id_with(self.clock.as_ref())
            .parse()
            .map_err(|e| format!("external id: {e}"))?;
        let path = match kind {
            Kind::VaPayment => &link.paths[0],
            Kind::QrNotify => &link.paths[1],
            Kind::DebitNotify => &link.paths[2],
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
        };
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(delivery);
        let this = Arc::clone(self);
        tokio::spawn(async move {
            this.run(id, merchant, kind, Bytes::from(body), external_id)
                .await
        });
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

    async fn run(
        self: Arc<Self>,
        id: u64,
        merchant: usize,
        kind: Kind,
        body: Bytes,
        external_id: ExternalId,
    ) {
        let Some(link) = self.links.get(merchant) else {
            return;
        };
        let expected = ResponseCode::of(Case::Successful, kind.service());
        let options = CallOptions::new().with_external_id(external_id);
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
                        attempt,
                        at,
                        action: "dropped",
                        http_status: None,
                        response_code: None,
                        detail: "not sent (fault injection: drop_first)".into(),
                    });
                });
            } else {
                let result = link
                    .client
                    .call_raw(kind.service(), body.clone(), &options)
                    .await;
                let record = attempt_record(attempt, at, "sent", &result);
                let delivered = matches!(&result, Ok(reply) if reply.response_code() == expected && reply.http_status() == 200);
                tracing::info!(delivery = id, attempt, result = %record.detail, "notification sent");
                self.update(id, |d| {
                    d.attempts.push(record);
                    if delivered {
                        d.state = DeliveryState::Delivered;
                    }
                });
                if delivered {
                    if faults.duplicate {
                        let at = format_timestamp(self.clock.now(), TimestampStyle::Wib);
                        let result = link
                            .client
                            .call_raw(kind.service(), body.clone(), &options)
                            .await;
                        let record = attempt_record(attempt + 1, at, "duplicate", &result);
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
            action,
            http_status: Some(reply.http_status()),
            response_code: Some(reply.response_code().to_string()),
            detail: format!("{} {}", reply.response_code(), reply.response_message()),
        },
        Err(e) => Attempt {
            attempt,
            at,
            action: if action == "sent" { "error" } else { action },
            http_status: None,
            response_code: e.response_code().map(|c| c.to_string()),
            detail: e.to_string(),
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
