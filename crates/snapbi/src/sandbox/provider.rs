//! The provider side: create VA (27), QR MPM generate (47), query (51) and refund (78) as
//! snap-http handlers, mounted twice (QoinHub and Finpay paths and response shapes), plus the
//! simulated payments that trigger notifications.
//!
//! Everything before a handler (token, HMAC-SHA512, timestamp window, X-EXTERNAL-ID per day,
//! DTO validation) is snap-http's `SnapServer`; the handlers add the business rules:
//!
//! | situation | answer |
//! |---|---|
//! | create VA with a trxId the merchant used before | `409xx01 Duplicate partnerReferenceNo` |
//! | create VA with `expiredDate` in the past / currency not IDR | `400xx01 Invalid Field Format {field}` |
//! | generate QR without `amount` | `400xx02 Invalid Mandatory Field amount` |
//! | generate QR with a used `partnerReferenceNo` | `409xx01` |
//! | query / refund of an unknown reference | `404xx01 Transaction Not Found` |
//! | refund without `partnerReferenceNo` | `400xx02 Invalid Mandatory Field partnerReferenceNo` |
//! | refund of a transaction not paid (or already fully refunded) | `404xx00 Invalid Transaction Status` |
//! | refund of more than is left | `404xx13 Invalid Amount` |
//! | refund reusing a refund `partnerReferenceNo` | `409xx01 Duplicate partnerReferenceNo` |

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;
use snap_crypto::{Clock, TimestampStyle, format_timestamp};
use snap_http::{BoxError, Fields, Outcome, RequestContext};
use snap_qris::{Builder, Initiation, Profile};
use snap_types::{
    Amount, Case, CreateVaRequest, Currency, CustomerNo, Money, PartnerServiceId,
    QrMpmGenerateRequest, QrMpmQueryRequest, QrMpmRefundRequest, ResponseCode, ServiceCode,
    VirtualAccountNo,
};
use time::OffsetDateTime;

use super::config::QrisMerchant;
use super::delivery::{self, Kind, Notifier};
use super::scenario::{FailNextCall, Scenario};
use super::state::{Flavor, Qr, Refusal, Status, Store, Va};

/// What the sandbox knows about a merchant besides its keys.
#[derive(Debug, Clone)]
pub(crate) struct MerchantInfo {
    pub(crate) client_id: String,
    pub(crate) partner_service_id: String,
    /// Whether the merchant is biller of its VAs (inquiry 24 before payment 25).
    pub(crate) inquiry: bool,
}

/// The shared state behind every handler and the admin endpoint.
pub(crate) struct Sandbox {
    pub(crate) store: Store,
    pub(crate) notifier: Arc<Notifier>,
    pub(crate) merchants: Vec<MerchantInfo>,
    pub(crate) qris: QrisMerchant,
    /// The dialect of a biller's inquiry (24) and the payment (25) that follows: DOKU's when the
    /// first served profile with VA services is `doku`, else the standard's.
    pub(crate) biller_flavor: Flavor,
    pub(crate) clock: Arc<dyn Clock>,
    /// The sandbox's public key (SPKI PEM): merchants verify asymmetric notifications with it.
    pub(crate) public_key_pem: String,
    /// Armed by a payment of `.44` (`scenario`): the merchant's next call gets `500xx00`.
    pub(crate) fail_next_call: FailNextCall,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("merchants", &self.merchants)
            .finish_non_exhaustive()
    }
}

pub(crate) type HandlerResult = Result<Outcome, BoxError>;

pub(crate) fn fields(pairs: Vec<(&str, serde_json::Value)>) -> Result<Fields, BoxError> {
    let mut out = Fields::new();
    for (key, value) in pairs {
        out = out.with(key, &value)?;
    }
    Ok(out)
}

pub(crate) fn money(amount: Amount) -> serde_json::Value {
    json!({"value": amount.to_string(), "currency": "IDR"})
}

pub(crate) fn stamp(t: OffsetDateTime) -> String {
    format_timestamp(t, TimestampStyle::Wib)
}

/// A refused simulated payment: the SNAP code a provider would use, and why.
#[derive(Debug, Clone)]
pub(crate) struct PayError {
    pub(crate) code: ResponseCode,
    pub(crate) message: String,
}

impl PayError {
    fn new(case: Case, service: ServiceCode, detail: &str) -> Self {
        Self {
            code: ResponseCode::of(case, service),
            message: case.known().fill(detail),
        }
    }
}

/// A simulated payment that went through.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Paid {
    pub(crate) status: Status,
    pub(crate) reference: String,
    pub(crate) amount: String,
    pub(crate) notification: Kind,
    pub(crate) delivery_id: u64,
}

impl Sandbox {
    pub(crate) fn merchant(&self, context: &RequestContext) -> Result<usize, BoxError> {
        let id = context.partner_id().as_str();
        self.merchants
            .iter()
            .position(|m| m.client_id == id)
            .ok_or_else(|| format!("partner {id} verified but not configured").into())
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub(crate) fn reference(&self, flavor: Flavor) -> String {
        let seq = self.store.next_sequence();
        let now = self.now().to_offset(snap_types::JAKARTA);
        match flavor {
            // QoinHub: `T24080680391` (T, yymm, 7 digits).
            Flavor::QoinHub => format!(
                "T{:02}{:02}{:07}",
                now.year() % 100,
                u8::from(now.month()),
                seq % 10_000_000
            ),
            // Finpay uses long alphanumerics; 20 characters keep it inside QRIS 62.05 (25).
            Flavor::Finpay => format!(
                "FP{:02}{:02}{:02}{:012}",
                now.year() % 100,
                u8::from(now.month()),
                now.day(),
                seq
            ),
            // The standard leaves the form to the PJP: `SB` (DANA orders `DN`), yymmdd, 12 digits.
            Flavor::Standard | Flavor::Doku | Flavor::Dana => format!(
                "{}{:02}{:02}{:02}{:012}",
                if flavor == Flavor::Dana { "DN" } else { "SB" },
                now.year() % 100,
                u8::from(now.month()),
                now.day(),
                seq
            ),
        }
    }

    /// A dynamic QRIS payload for `amount`, with the provider's reference in 62.05 and the
    /// terminal in 62.07.
    pub(crate) fn qris_payload(
        &self,
        reference_no: &str,
        amount: Amount,
        terminal: Option<&str>,
    ) -> Result<String, BoxError> {
        let q = &self.qris;
        let mut additional = vec![(5u8, reference_no.to_owned())];
        if let Some(terminal) = terminal.filter(|t| !t.is_empty()) {
            additional.push((7, terminal.to_owned()));
        }
        Ok(Builder::new()
            .initiation(Initiation::Dynamic)
            .merchant_account(
                26,
                &q.acquirer_guid,
                &q.merchant_pan,
                &q.merchant_id,
                &q.criteria,
            )
            .national(&q.nmid, &q.criteria)
            .mcc(&q.mcc)
            .currency("360")
            .amount(amount.minor_units())
            .country("ID")
            .merchant_name(&q.merchant_name)
            .merchant_city(&q.merchant_city)
            .postal_code(&q.postal_code)
            .additional_data(additional)
            .build_with(Profile::Qris)?)
    }

    /// Create VA (27).
    pub(crate) fn create_va(
        &self,
        context: &RequestContext,
        request: CreateVaRequest,
    ) -> HandlerResult {
        let merchant = self.merchant(context)?;
        if request.total_amount.currency != Currency::IDR {
            return Ok(Outcome::business(
                Case::InvalidFieldFormat,
                "totalAmount.currency",
            ));
        }
        let now = self.now();
        let expires_at = request.expired_date.datetime();
        if expires_at <= now {
            return Ok(Outcome::business(Case::InvalidFieldFormat, "expiredDate"));
        }
        let info = &self.merchants[merchant];
        let psid: PartnerServiceId = info.partner_service_id.parse()?;
        let customer_no: CustomerNo = format!("{:010}", self.store.next_sequence()).parse()?;
        let va_no = VirtualAccountNo::compose(&psid, &customer_no)?;
        let va = Va {
            merchant,
            flavor: Flavor::QoinHub,
            partner_id: info.client_id.clone(),
            virtual_account_no: va_no.as_str().to_owned(),
            partner_service_id: psid.padded(),
            customer_no: customer_no.as_str().to_owned(),
            trx_id: request.trx_id.clone(),
            reference_no: self.reference(Flavor::QoinHub),
            payment_request_id: None,
            name: request.virtual_account_name.clone(),
            email: request.virtual_account_email.clone(),
            phone: request.virtual_account_phone.clone(),
            amount: request.total_amount.value,
            paid_amount: None,
            paid_at: None,
            expires_at,
            status: Status::Open,
        };
        let reply = fields(vec![
            ("referenceNo", json!(va.reference_no)),
            (
                "virtualAccountData",
                json!({
                    "partnerServiceId": va.partner_service_id,
                    "customerNo": va.customer_no,
                    "virtualAccountNo": va.virtual_account_no,
                    "virtualAccountName": va.name,
                    "trxId": va.trx_id,
                    "totalAmount": money(va.amount),
                    "expiredDate": request.expired_date.as_str(),
                }),
            ),
        ])?;
        match self.store.insert_va(va) {
            Ok(()) => Ok(Outcome::success_with(reply)),
            Err(_) => Ok(Outcome::business(Case::DuplicatePartnerreferenceno, "")),
        }
    }

    /// QR MPM generate (47): a real dynamic QRIS with the amount and the reference in 62.05.
    pub(crate) fn generate_qr(
        &self,
        flavor: Flavor,
        context: &RequestContext,
        request: QrMpmGenerateRequest,
    ) -> HandlerResult {
        let merchant = self.merchant(context)?;
        let Some(amount) = request.amount else {
            return Ok(Outcome::business(Case::InvalidMandatoryField, "amount"));
        };
        if amount.currency != Currency::IDR {
            return Ok(Outcome::business(
                Case::InvalidFieldFormat,
                "amount.currency",
            ));
        }
        if amount.value == Amount::ZERO {
            return Ok(Outcome::business(Case::InvalidFieldFormat, "amount.value"));
        }
        let now = self.now();
        let expires_at = request.validity_period.as_ref().map(|v| v.datetime());
        if expires_at.is_some_and(|e| e <= now) {
            return Ok(Outcome::business(
                Case::InvalidFieldFormat,
                "validityPeriod",
            ));
        }
        let partner_reference_no = request
            .partner_reference_no
            .clone()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| context.external_id().as_str().to_owned());
        let reference_no = self.reference(flavor);
        let qr_content =
            self.qris_payload(&reference_no, amount.value, request.terminal_id.as_deref())?;
        let qr = Qr {
            merchant,
            partner_id: self.merchants[merchant].client_id.clone(),
            flavor,
            reference_no: reference_no.clone(),
            partner_reference_no: partner_reference_no.clone(),
            amount: amount.value,
            qr_content: qr_content.clone(),
            created_at: now,
            expires_at,
            paid_at: None,
            status: Status::Open,
            refunds: Vec::new(),
            notify_url: None,
        };
        if self.store.insert_qr(qr).is_err() {
            return Ok(Outcome::business(Case::DuplicatePartnerreferenceno, ""));
        }
        let terminal = request.terminal_id.clone().unwrap_or_default();
        let reply = match flavor {
            Flavor::QoinHub => {
                let acquirer = request
                    .additional_info
                    .as_deref()
                    .and_then(|raw| serde_json::from_str::<serde_json::Value>(raw.get()).ok())
                    .and_then(|v| v.get("acquirer").cloned())
                    .unwrap_or(json!(36));
                fields(vec![
                    (
                        "additionalInfo",
                        json!({
                            "acquirer": acquirer,
                            "amount": {"currency": "IDR", "value": amount.value.to_string()},
                            "createdAt": {"dateTime": stamp(now)},
                            "merchantCrossRefId": "",
                            "recurring": false,
                            "transactionType": "MERCHANT_TRANSACTION",
                        }),
                    ),
                    ("merchantName", json!(self.qris.merchant_name)),
                    ("partnerReferenceNo", json!(partner_reference_no)),
                    ("qrContent", json!(qr_content)),
                    ("qrImage", json!("")),
                    ("qrUrl", json!("")),
                    ("referenceNo", json!(reference_no)),
                    (
                        "storeId",
                        json!(request.store_id.clone().unwrap_or_default()),
                    ),
                    ("terminalId", json!(terminal)),
                ])?
            }
            Flavor::Finpay | Flavor::Standard | Flavor::Doku | Flavor::Dana => fields(vec![
                ("referenceNo", json!(reference_no)),
                ("partnerReferenceNo", json!(partner_reference_no)),
                ("qrContent", json!(qr_content)),
                ("merchantName", json!(self.qris.merchant_name)),
                ("qrUrl", json!("")),
                ("terminalId", json!(terminal)),
            ])?,
        };
        Ok(Outcome::success_with(reply))
    }

    /// QR MPM query (51).
    pub(crate) fn query_qr(
        &self,
        flavor: Flavor,
        context: &RequestContext,
        request: QrMpmQueryRequest,
    ) -> HandlerResult {
        let merchant = self.merchant(context)?;
        let extra: OriginalRefs = serde_json::from_slice(context.body()).unwrap_or_default();
        let partner_ref = request
            .partner_reference_no
            .clone()
            .or(extra.original_partner_reference_no);
        if request.original_reference_no.is_none() && partner_ref.is_none() {
            return Ok(Outcome::business(
                Case::InvalidMandatoryField,
                "originalReferenceNo",
            ));
        }
        let partner = &self.merchants[merchant].client_id;
        let Some(qr) = self.store.find_qr(
            Some(partner),
            request.original_reference_no.as_deref(),
            partner_ref.as_deref(),
        ) else {
            return Ok(Outcome::business(Case::TransactionNotFound, ""));
        };
        let (code, desc) = qr.status.snap();
        let paid_time = qr.paid_at.map(stamp).unwrap_or_default();
        let reply = match flavor {
            Flavor::QoinHub => fields(vec![
                ("originalReferenceNo", json!(qr.reference_no)),
                ("originalPartnerReferenceNo", json!(qr.partner_reference_no)),
                ("serviceCode", json!("47")),
                ("latestTransactionStatus", json!(code)),
                ("transactionStatusDesc", json!(desc)),
                ("paidTime", json!(paid_time)),
                ("amount", money(qr.amount)),
            ])?,
            Flavor::Finpay | Flavor::Standard | Flavor::Doku | Flavor::Dana => {
                let mut pairs = vec![
                    ("referenceNo", json!(qr.reference_no)),
                    ("partnerReferenceNo", json!(qr.partner_reference_no)),
                    ("transactionStatus", json!(qr.status.finpay())),
                ];
                if let Some(paid) = qr.paid_at {
                    pairs.push(("transactionDate", json!(stamp(paid))));
                }
                pairs.push(("amount", money(qr.amount)));
                fields(pairs)?
            }
        };
        Ok(Outcome::success_with(reply))
    }

    /// QR MPM refund (78).
    pub(crate) fn refund_qr(
        &self,
        context: &RequestContext,
        request: QrMpmRefundRequest,
    ) -> HandlerResult {
        let merchant = self.merchant(context)?;
        let Some(refund_ref) = request
            .partner_reference_no
            .clone()
            .filter(|r| !r.is_empty())
        else {
            return Ok(Outcome::business(
                Case::InvalidMandatoryField,
                "partnerReferenceNo",
            ));
        };
        let refund_amount = match serde_json::from_slice::<RefundExtra>(context.body()) {
            Ok(extra) => extra.refund_amount,
            Err(_) => return Ok(Outcome::business(Case::InvalidFieldFormat, "refundAmount")),
        };
        if refund_amount.is_some_and(|m| m.currency != Currency::IDR) {
            return Ok(Outcome::business(
                Case::InvalidFieldFormat,
                "refundAmount.currency",
            ));
        }
        if request.original_reference_no.is_none()
            && request.original_partner_reference_no.is_none()
        {
            return Ok(Outcome::business(
                Case::InvalidMandatoryField,
                "originalReferenceNo",
            ));
        }
        let partner = &self.merchants[merchant].client_id;
        let Some(qr) = self.store.find_qr(
            Some(partner),
            request.original_reference_no.as_deref(),
            request.original_partner_reference_no.as_deref(),
        ) else {
            return Ok(Outcome::business(Case::TransactionNotFound, ""));
        };
        let now = self.now();
        match self.store.refund_qr(
            &qr.reference_no,
            &refund_ref,
            refund_amount.map(|m| m.value),
            now,
        ) {
            Ok((qr, refund)) => Ok(Outcome::success_with(fields(vec![
                ("referenceNo", json!(refund.reference_no)),
                ("partnerReferenceNo", json!(refund.partner_reference_no)),
                ("originalPartnerReferenceNo", json!(qr.partner_reference_no)),
                ("originalReferenceNo", json!(qr.reference_no)),
                ("refundAmount", money(refund.amount)),
                ("transactionDate", json!(stamp(refund.at))),
            ])?)),
            Err(refusal) => Ok(refusal.refund_answer()),
        }
    }

    /// Simulates the payer paying a VA, and notifies the merchant (service 25). `amount` is
    /// needed for an open-amount VA (created with `0.00`) and must match a closed one.
    pub(crate) fn pay_va(&self, number: &str, amount: Option<Amount>) -> Result<Paid, PayError> {
        let service = ServiceCode::TRANSFER_VA_PAYMENT;
        let va = self
            .store
            .find_va(number)
            .ok_or_else(|| PayError::new(Case::InvalidBillVirtualAccount, service, "not found"))?;
        let paid = match (va.amount, amount) {
            (open, Some(a)) if open == Amount::ZERO => a,
            (open, None) if open == Amount::ZERO => {
                return Err(PayError::new(
                    Case::InvalidAmount,
                    service,
                    "open-amount VA: give --amount",
                ));
            }
            (fixed, Some(a)) if a != fixed => {
                return Err(PayError::new(Case::InvalidAmount, service, ""));
            }
            (fixed, _) => fixed,
        };
        let faults = self.notifier.faults();
        let scenario = Scenario::of(paid);
        let now = self.now();
        let expire = faults.expired_va || scenario == Scenario::Expire;
        let va = self
            .store
            .settle_va(number, paid, now, expire)
            .map_err(|e| match e {
                Refusal::InvalidStatus(Status::Paid) => PayError::new(Case::PaidBill, service, ""),
                Refusal::InvalidStatus(Status::Expired) => {
                    PayError::new(Case::InvalidBillVirtualAccountExpired, service, "")
                }
                _ => PayError::new(Case::InvalidBillVirtualAccount, service, "not payable"),
            })?;
        let sent = if faults.wrong_amount {
            delivery::skew(paid)
        } else {
            paid
        };
        let flag = if va.status == Status::Expired {
            "08"
        } else {
            "00"
        };
        let body = match va.flavor {
            Flavor::Standard | Flavor::Doku => {
                delivery::standard_va_payment_body(&va, sent, flag, now)
            }
            Flavor::QoinHub | Flavor::Finpay | Flavor::Dana => {
                delivery::va_payment_body(&va, sent, flag, now)
            }
        }
        .map_err(|e| internal(service, &e))?;
        let delivery_id = self
            .notifier
            .enqueue(
                va.merchant,
                Kind::VaPayment,
                &va.virtual_account_no,
                body,
                scenario,
                None,
            )
            .map_err(|e| internal(service, &e))?;
        if scenario == Scenario::ProviderError {
            self.fail_next_call.arm();
        }
        Ok(Paid {
            status: va.status,
            reference: va.virtual_account_no,
            amount: paid.to_string(),
            notification: Kind::VaPayment,
            delivery_id,
        })
    }

    /// Simulates the payer scanning and paying a QR, and notifies the merchant: QR notify (52)
    /// for Finpay QRs, debit notify (56) for QoinHub QRs (seed 001), DANA's finish notify (56)
    /// for DANA orders (to the order's `NOTIFICATION` URL when it gave one).
    pub(crate) fn pay_qr(&self, reference: &str) -> Result<Paid, PayError> {
        let service = ServiceCode::QR_MPM_PAYMENT;
        let qr = self
            .store
            .find_qr_any(reference)
            .ok_or_else(|| PayError::new(Case::TransactionNotFound, service, ""))?;
        let now = self.now();
        let qr = self
            .store
            .settle_qr(&qr.reference_no, now)
            .map_err(|e| match e {
                Refusal::InvalidStatus(Status::Expired) => {
                    PayError::new(Case::TransactionExpired, service, "")
                }
                Refusal::InvalidStatus(Status::Paid | Status::Refunded) => {
                    PayError::new(Case::PaidBill, service, "")
                }
                _ => PayError::new(Case::InvalidTransactionStatus, service, ""),
            })?;
        let faults = self.notifier.faults();
        let scenario = Scenario::of(qr.amount);
        let sent = if faults.wrong_amount {
            delivery::skew(qr.amount)
        } else {
            qr.amount
        };
        let (kind, body) = match qr.flavor {
            Flavor::Finpay => (Kind::QrNotify, delivery::qr_notify_body(&qr, sent, now)),
            Flavor::Standard | Flavor::Doku => (
                Kind::QrNotify,
                delivery::standard_qr_notify_body(&qr, sent, now),
            ),
            Flavor::Dana => (
                Kind::DebitNotify,
                super::dana::finish_notify_body(&qr, sent, &self.qris.merchant_id, now),
            ),
            Flavor::QoinHub => (
                Kind::DebitNotify,
                delivery::debit_notify_body(&qr, sent, now),
            ),
        };
        let body = body.map_err(|e| internal(service, &e))?;
        let delivery_id = self
            .notifier
            .enqueue(
                qr.merchant,
                kind,
                &qr.reference_no,
                body,
                scenario,
                qr.notify_url.clone(),
            )
            .map_err(|e| internal(service, &e))?;
        if scenario == Scenario::ProviderError {
            self.fail_next_call.arm();
        }
        Ok(Paid {
            status: qr.status,
            reference: qr.reference_no,
            amount: qr.amount.to_string(),
            notification: kind,
            delivery_id,
        })
    }
}

fn internal(service: ServiceCode, detail: &str) -> PayError {
    PayError {
        code: ResponseCode::of(Case::GeneralError, service),
        message: format!("General Error ({detail})"),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct OriginalRefs {
    #[serde(default)]
    original_partner_reference_no: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefundExtra {
    #[serde(default)]
    refund_amount: Option<Money>,
}
