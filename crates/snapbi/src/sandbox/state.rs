//! The sandbox's in-memory ledger: virtual accounts, QRIS transactions and refunds.
//!
//! One mutex around plain maps: a sandbox serves one developer, and no lock is held across an
//! `.await`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::persist::Persist;

use serde::{Deserialize, Serialize};
use snap_types::Amount;
use time::OffsetDateTime;

/// Which provider profile a transaction was created through (decides response shapes and which
/// notification the merchant gets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Flavor {
    /// QoinHub (seeds 002, 004; QR payments notified with debit notify, seed 001).
    QoinHub,
    /// Finpay (seed 003; QR payments notified with qr-mpm-notify).
    Finpay,
    /// The ASPI standard's shapes (the `standard`, `midtrans` profiles): VA payments notified
    /// with the standard 25 body, QR payments with the standard 52 body.
    Standard,
    /// The standard's shapes as DOKU sends them (the `doku` profile): as `Standard`, with
    /// `channelCode` a digit string in the VA inquiry (24) and payment (25).
    Doku,
    /// DANA's payment gateway orders (the `dana` profile): paid orders are notified with DANA's
    /// finish notify (56).
    Dana,
}

/// Where a transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// Waiting for the payer.
    Open,
    /// Paid.
    Paid,
    /// Paid, then refunded in full.
    Refunded,
    /// Past its expiry (or expired by fault injection).
    Expired,
    /// Cancelled (QR cancel 77) or deleted (VA delete 31) before payment.
    Canceled,
}

impl Status {
    /// The SNAP `latestTransactionStatus` code and description.
    pub(crate) fn snap(self) -> (&'static str, &'static str) {
        match self {
            Self::Open => ("03", "Pending"),
            Self::Paid => ("00", "Success"),
            Self::Refunded => ("04", "Refunded"),
            Self::Expired => ("08", "Expiry"),
            Self::Canceled => ("05", "Canceled"),
        }
    }

    /// Finpay's `transactionStatus` word (seed 003 shows `PAID`).
    pub(crate) fn finpay(self) -> &'static str {
        match self {
            Self::Open => "UNPAID",
            Self::Paid => "PAID",
            Self::Refunded => "REFUNDED",
            Self::Expired => "EXPIRED",
            Self::Canceled => "CANCELED",
        }
    }
}

/// A virtual account created with service 27.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Va {
    #[serde(skip)]
    pub(crate) merchant: usize,
    pub(crate) flavor: Flavor,
    pub(crate) partner_id: String,
    pub(crate) virtual_account_no: String,
    pub(crate) partner_service_id: String,
    pub(crate) customer_no: String,
    pub(crate) trx_id: String,
    pub(crate) reference_no: String,
    /// The inquiry's id when the merchant, as biller, answered an inquiry (24) before payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) payment_request_id: Option<String>,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) phone: String,
    /// Zero for an open-amount VA (any amount is accepted).
    pub(crate) amount: Amount,
    pub(crate) paid_amount: Option<Amount>,
    #[serde(serialize_with = "stamp_opt", deserialize_with = "parse_stamp_opt")]
    pub(crate) paid_at: Option<OffsetDateTime>,
    #[serde(serialize_with = "stamp", deserialize_with = "parse_stamp")]
    pub(crate) expires_at: OffsetDateTime,
    pub(crate) status: Status,
}

/// A refund of a QRIS payment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Refund {
    pub(crate) partner_reference_no: String,
    pub(crate) reference_no: String,
    pub(crate) amount: Amount,
    #[serde(serialize_with = "stamp", deserialize_with = "parse_stamp")]
    pub(crate) at: OffsetDateTime,
}

/// A QRIS transaction created with service 47.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Qr {
    #[serde(skip)]
    pub(crate) merchant: usize,
    pub(crate) partner_id: String,
    pub(crate) flavor: Flavor,
    pub(crate) reference_no: String,
    pub(crate) partner_reference_no: String,
    pub(crate) amount: Amount,
    pub(crate) qr_content: String,
    #[serde(serialize_with = "stamp", deserialize_with = "parse_stamp")]
    pub(crate) created_at: OffsetDateTime,
    #[serde(serialize_with = "stamp_opt", deserialize_with = "parse_stamp_opt")]
    pub(crate) expires_at: Option<OffsetDateTime>,
    #[serde(serialize_with = "stamp_opt", deserialize_with = "parse_stamp_opt")]
    pub(crate) paid_at: Option<OffsetDateTime>,
    pub(crate) status: Status,
    pub(crate) refunds: Vec<Refund>,
    /// Where its payment is notified instead of the merchant's configured callback: a DANA
    /// order's `urlParams` entry of type `NOTIFICATION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) notify_url: Option<String>,
}

impl Qr {
    /// What is left to refund.
    pub(crate) fn refundable(&self) -> Amount {
        let refunded: u64 = self.refunds.iter().map(|r| r.amount.minor_units()).sum();
        Amount::new(self.amount.minor_units().saturating_sub(refunded)).unwrap_or(Amount::ZERO)
    }
}

#[derive(Debug, Default)]
struct Ledger {
    vas: HashMap<String, Va>,
    qrs: HashMap<String, Qr>,
    /// (partner id, partnerReferenceNo) of QRs, trxIds of VAs and refunds: each used once.
    qr_partner_refs: HashMap<(String, String), String>,
    va_trx_ids: HashSet<(String, String)>,
    refund_refs: HashSet<(String, String)>,
    sequence: u64,
}

/// What `--data` keeps of the ledger (`persist`): the records with their merchant, and the
/// sequence; the uniqueness indices are rebuilt from the records.
#[derive(Serialize, Deserialize)]
struct Saved {
    vas: Vec<(usize, Va)>,
    qrs: Vec<(usize, Qr)>,
    sequence: u64,
}

impl Ledger {
    fn saved(&self) -> Saved {
        Saved {
            vas: self.vas.values().map(|v| (v.merchant, v.clone())).collect(),
            qrs: self.qrs.values().map(|q| (q.merchant, q.clone())).collect(),
            sequence: self.sequence,
        }
    }

    fn restored(saved: Saved) -> Self {
        let mut ledger = Self {
            sequence: saved.sequence,
            ..Self::default()
        };
        for (merchant, mut va) in saved.vas {
            va.merchant = merchant;
            ledger
                .va_trx_ids
                .insert((va.partner_id.clone(), va.trx_id.clone()));
            ledger.vas.insert(compact(&va.virtual_account_no), va);
        }
        for (merchant, mut qr) in saved.qrs {
            qr.merchant = merchant;
            let key = (qr.partner_id.clone(), qr.partner_reference_no.clone());
            ledger.qr_partner_refs.insert(key, qr.reference_no.clone());
            for refund in &qr.refunds {
                ledger
                    .refund_refs
                    .insert((qr.partner_id.clone(), refund.partner_reference_no.clone()));
            }
            ledger.qrs.insert(qr.reference_no.clone(), qr);
        }
        ledger
    }
}

/// The ledger behind a mutex; with `--data`, every change is committed to disk while the lock
/// is held.
#[derive(Debug, Default)]
pub(crate) struct Store {
    inner: Mutex<Ledger>,
    persist: Option<Arc<Persist>>,
}

/// The locked ledger for a change: saved when the change is done (dropped).
struct Saving<'a> {
    ledger: std::sync::MutexGuard<'a, Ledger>,
    persist: Option<&'a Persist>,
}

impl std::ops::Deref for Saving<'_> {
    type Target = Ledger;
    fn deref(&self) -> &Ledger {
        &self.ledger
    }
}

impl std::ops::DerefMut for Saving<'_> {
    fn deref_mut(&mut self) -> &mut Ledger {
        &mut self.ledger
    }
}

impl Drop for Saving<'_> {
    fn drop(&mut self) {
        let Some(persist) = self.persist else {
            return;
        };
        let saved = serde_json::to_vec(&self.ledger.saved()).map_err(|e| e.to_string());
        if let Err(e) = saved.and_then(|document| persist.save_ledger(&document)) {
            // Drop cannot fail; the change stays in memory and the log says it was not saved.
            tracing::error!(error = %e, "the ledger change was not saved to --data");
        }
    }
}

/// The ways a ledger change can be refused (each maps to a SNAP case in the handlers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The partner reference / trxId / refund reference was used before.
    Duplicate,
    /// No such transaction.
    NotFound,
    /// The transaction is not in a state that allows this.
    InvalidStatus(Status),
    /// More than what can be refunded.
    TooMuch,
}

impl Refusal {
    /// A refund's refusal as the business answer every profile gives (78 and its analogues).
    pub(crate) fn refund_answer(&self) -> snap_http::Outcome {
        let case = match self {
            Self::Duplicate => snap_types::Case::DuplicatePartnerreferenceno,
            Self::NotFound => snap_types::Case::TransactionNotFound,
            Self::InvalidStatus(_) => snap_types::Case::InvalidTransactionStatus,
            Self::TooMuch => snap_types::Case::InvalidAmount,
        };
        snap_http::Outcome::business(case, "")
    }
}

impl Store {
    /// A store saved to `persist` (and restored from it), or in memory only.
    pub(crate) fn open(persist: Option<Arc<Persist>>) -> Result<Self, String> {
        let ledger = match persist
            .as_deref()
            .map(Persist::ledger)
            .transpose()?
            .flatten()
        {
            Some(document) => Ledger::restored(
                serde_json::from_slice(&document)
                    .map_err(|e| format!("sandbox data: the stored ledger is unreadable: {e}"))?,
            ),
            None => Ledger::default(),
        };
        Ok(Self {
            inner: Mutex::new(ledger),
            persist,
        })
    }

    /// The ledger, locked for a change that is saved when the returned guard is dropped.
    fn lock_mut(&self) -> Saving<'_> {
        Saving {
            ledger: self.lock(),
            persist: self.persist.as_deref(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ledger> {
        // A poisoned ledger is still consistent: every change is a single insert or field write.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The next sequence number (references, customer numbers).
    pub(crate) fn next_sequence(&self) -> u64 {
        let mut ledger = self.lock_mut();
        ledger.sequence += 1;
        ledger.sequence
    }

    /// Stores a new VA unless its trxId was used by the same merchant.
    pub(crate) fn insert_va(&self, va: Va) -> Result<(), Refusal> {
        let mut ledger = self.lock_mut();
        let number = compact(&va.virtual_account_no);
        if ledger.vas.contains_key(&number) {
            return Err(Refusal::Duplicate);
        }
        // A biller's VA (inquired, not created) has no trxId.
        if !va.trx_id.is_empty()
            && !ledger
                .va_trx_ids
                .insert((va.partner_id.clone(), va.trx_id.clone()))
        {
            return Err(Refusal::Duplicate);
        }
        ledger.vas.insert(number, va);
        Ok(())
    }

    /// Stores a new QR unless its partnerReferenceNo was used by the same merchant.
    pub(crate) fn insert_qr(&self, qr: Qr) -> Result<(), Refusal> {
        let mut ledger = self.lock_mut();
        let key = (qr.partner_id.clone(), qr.partner_reference_no.clone());
        if ledger.qr_partner_refs.contains_key(&key) {
            return Err(Refusal::Duplicate);
        }
        ledger.qr_partner_refs.insert(key, qr.reference_no.clone());
        ledger.qrs.insert(qr.reference_no.clone(), qr);
        Ok(())
    }

    /// A QR of `partner` by its referenceNo or, failing that, its partnerReferenceNo.
    pub(crate) fn find_qr(
        &self,
        partner: Option<&str>,
        reference_no: Option<&str>,
        partner_reference_no: Option<&str>,
    ) -> Option<Qr> {
        let ledger = self.lock();
        let by_ref = reference_no.and_then(|r| ledger.qrs.get(r));
        let found = by_ref.or_else(|| {
            let partner = partner?;
            let reference = ledger
                .qr_partner_refs
                .get(&(partner.to_owned(), partner_reference_no?.to_owned()))?;
            ledger.qrs.get(reference)
        })?;
        match partner {
            Some(p) if p != found.partner_id => None,
            _ => Some(found.clone()),
        }
    }

    /// A QR for the admin endpoint: by referenceNo, or by partnerReferenceNo of any merchant.
    pub(crate) fn find_qr_any(&self, reference: &str) -> Option<Qr> {
        let ledger = self.lock();
        if let Some(qr) = ledger.qrs.get(reference) {
            return Some(qr.clone());
        }
        ledger
            .qrs
            .values()
            .find(|q| q.partner_reference_no == reference)
            .cloned()
    }

    /// A VA by number (spaces ignored).
    pub(crate) fn find_va(&self, number: &str) -> Option<Va> {
        self.lock().vas.get(&compact(number)).cloned()
    }

    /// Marks an open VA paid (or expired, by `expire`), checking its state at `now`.
    pub(crate) fn settle_va(
        &self,
        number: &str,
        paid: Amount,
        now: OffsetDateTime,
        expire: bool,
    ) -> Result<Va, Refusal> {
        let mut ledger = self.lock_mut();
        let va = ledger
            .vas
            .get_mut(&compact(number))
            .ok_or(Refusal::NotFound)?;
        if va.status == Status::Open && va.expires_at < now {
            va.status = Status::Expired;
        }
        if va.status != Status::Open {
            return Err(Refusal::InvalidStatus(va.status));
        }
        if expire {
            va.status = Status::Expired;
        } else {
            va.status = Status::Paid;
            va.paid_amount = Some(paid);
            va.paid_at = Some(now);
        }
        Ok(va.clone())
    }

    /// Changes a VA of `partner` (spaces in `number` ignored) with `change`, which sees it
    /// after expiry was applied at `now` and may refuse.
    pub(crate) fn change_va(
        &self,
        partner: &str,
        number: &str,
        now: OffsetDateTime,
        change: impl FnOnce(&mut Va) -> Result<(), Refusal>,
    ) -> Result<Va, Refusal> {
        let mut ledger = self.lock_mut();
        let va = ledger
            .vas
            .get_mut(&compact(number))
            .filter(|va| va.partner_id == partner)
            .ok_or(Refusal::NotFound)?;
        if va.status == Status::Open && va.expires_at < now {
            va.status = Status::Expired;
        }
        change(va)?;
        Ok(va.clone())
    }

    /// Cancels an open QR (service 77).
    pub(crate) fn cancel_qr(&self, reference_no: &str) -> Result<Qr, Refusal> {
        let mut ledger = self.lock_mut();
        let qr = ledger.qrs.get_mut(reference_no).ok_or(Refusal::NotFound)?;
        if qr.status != Status::Open {
            return Err(Refusal::InvalidStatus(qr.status));
        }
        qr.status = Status::Canceled;
        Ok(qr.clone())
    }

    /// Marks an open QR paid at `now`.
    pub(crate) fn settle_qr(&self, reference_no: &str, now: OffsetDateTime) -> Result<Qr, Refusal> {
        let mut ledger = self.lock_mut();
        let qr = ledger.qrs.get_mut(reference_no).ok_or(Refusal::NotFound)?;
        if qr.status == Status::Open && qr.expires_at.is_some_and(|e| e < now) {
            qr.status = Status::Expired;
        }
        if qr.status != Status::Open {
            return Err(Refusal::InvalidStatus(qr.status));
        }
        qr.status = Status::Paid;
        qr.paid_at = Some(now);
        Ok(qr.clone())
    }

    /// Refunds `amount` (or all that is left) of a paid QR, once per refund reference.
    pub(crate) fn refund_qr(
        &self,
        reference_no: &str,
        refund_ref: &str,
        amount: Option<Amount>,
        now: OffsetDateTime,
    ) -> Result<(Qr, Refund), Refusal> {
        let mut ledger = self.lock_mut();
        let sequence = {
            ledger.sequence += 1;
            ledger.sequence
        };
        let partner = ledger
            .qrs
            .get(reference_no)
            .ok_or(Refusal::NotFound)?
            .partner_id
            .clone();
        if ledger
            .refund_refs
            .contains(&(partner.clone(), refund_ref.to_owned()))
        {
            return Err(Refusal::Duplicate);
        }
        let qr = ledger.qrs.get_mut(reference_no).ok_or(Refusal::NotFound)?;
        if qr.status != Status::Paid {
            return Err(Refusal::InvalidStatus(qr.status));
        }
        let left = qr.refundable();
        let amount = amount.unwrap_or(left);
        if amount > left || amount == Amount::ZERO {
            return Err(Refusal::TooMuch);
        }
        let refund = Refund {
            partner_reference_no: refund_ref.to_owned(),
            reference_no: format!("RF{:010}", sequence),
            amount,
            at: now,
        };
        qr.refunds.push(refund.clone());
        if qr.refundable() == Amount::ZERO {
            qr.status = Status::Refunded;
        }
        let qr = qr.clone();
        ledger.refund_refs.insert((partner, refund_ref.to_owned()));
        Ok((qr, refund))
    }

    /// Every VA and QR, for the admin endpoint.
    pub(crate) fn snapshot(&self) -> (Vec<Va>, Vec<Qr>) {
        let ledger = self.lock();
        let mut vas: Vec<Va> = ledger.vas.values().cloned().collect();
        vas.sort_by(|a, b| a.virtual_account_no.cmp(&b.virtual_account_no));
        let mut qrs: Vec<Qr> = ledger.qrs.values().cloned().collect();
        qrs.sort_by_key(|q| q.created_at);
        (vas, qrs)
    }
}

fn stamp<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&snap_crypto::format_timestamp(
        *t,
        snap_crypto::TimestampStyle::Wib,
    ))
}

fn parse_stamp<'de, D: serde::Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    let text = String::deserialize(d)?;
    snap_crypto::parse_timestamp(&text).map_err(serde::de::Error::custom)
}

fn parse_stamp_opt<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<OffsetDateTime>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|text| snap_crypto::parse_timestamp(&text).map_err(serde::de::Error::custom))
        .transpose()
}

#[allow(clippy::ref_option)] // serde's serialize_with passes `&Option<T>`
fn stamp_opt<S: serde::Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => stamp(t, s),
        None => s.serialize_none(),
    }
}

/// A VA number without its padding spaces.
fn compact(number: &str) -> String {
    number.chars().filter(|c| !c.is_whitespace()).collect()
}
