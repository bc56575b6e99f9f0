//! The `dana` profile: DANA's payment gateway (Gapura) as its Python SDK (`dana-python` 2.2.2,
//! `payment_gateway/v1/api/payment_gateway_api.py`) calls it: every request signed
//! asymmetrically (no token), direct-debit services at `/payment-gateway/v1.0/debit/*.htm`:
//! create order (payment host-to-host, 54), query (55), cancel (57), refund (58). A paid order is
//! notified as DANA's finish notify (56 with `merchantId`, `amount`, `createdTime`,
//! `finishedTime` mandatory), signed with the sandbox's key.
//!
//! The bodies are the SDK's models, with the fields the sandbox acts on typed and checked as
//! DANA's API reference marks them; everything else is kept and ignored.
//!
//! | situation | answer |
//! |---|---|
//! | a mandatory field missing or empty | `400xx02 Invalid Mandatory Field {field}` |
//! | `merchantId` other than the sandbox merchant's | `404xx08 Invalid Merchant` |
//! | currency not IDR, `validUpTo` not RFC 3339 or past | `400xx01 Invalid Field Format {field}` |
//! | a used `partnerReferenceNo` / `partnerRefundNo` | `409xx01` |
//! | unknown order | `404xx01 Transaction Not Found` |
//! | cancel a paid order, refund an unpaid one | `404xx00 Invalid Transaction Status` |
//! | refund more than is left | `404xx13 Invalid Amount` |

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use snap_http::{Outcome, RequestContext};
use snap_types::{
    Amount, Case, Currency, Extra, FieldError, Money, ServiceCode, SnapRequest, StatusResponse,
    Timestamp, Validate,
};

use super::provider::{HandlerResult, Sandbox, fields, money, stamp};
use super::state::{Flavor, Qr, Refusal, Status};

fn mandatory(path: &str, value: &str) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        Err(FieldError::mandatory(path))
    } else {
        Ok(())
    }
}

/// Create order by API (54): `POST /payment-gateway/v1.0/debit/payment-host-to-host.htm`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DanaCreateOrder {
    partner_reference_no: String,
    merchant_id: String,
    amount: Money,
    valid_up_to: String,
    url_params: Vec<Value>,
    #[serde(flatten)]
    extra: Extra,
}

impl Validate for DanaCreateOrder {
    fn validate(&self) -> Result<(), FieldError> {
        mandatory("partnerReferenceNo", &self.partner_reference_no)?;
        mandatory("merchantId", &self.merchant_id)?;
        mandatory("validUpTo", &self.valid_up_to)?;
        if self.url_params.is_empty() {
            return Err(FieldError::mandatory("urlParams"));
        }
        Ok(())
    }
}

impl SnapRequest for DanaCreateOrder {
    const SERVICE: ServiceCode = ServiceCode::DEBIT_PAYMENT_HOST_TO_HOST;
    type Response = StatusResponse;
}

/// Query payment (55): `POST /payment-gateway/v1.0/debit/status.htm`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DanaQuery {
    #[serde(default)]
    original_partner_reference_no: Option<String>,
    #[serde(default)]
    original_reference_no: Option<String>,
    service_code: String,
    merchant_id: String,
    #[serde(flatten)]
    extra: Extra,
}

impl Validate for DanaQuery {
    fn validate(&self) -> Result<(), FieldError> {
        mandatory("serviceCode", &self.service_code)?;
        mandatory("merchantId", &self.merchant_id)
    }
}

impl SnapRequest for DanaQuery {
    const SERVICE: ServiceCode = ServiceCode::DEBIT_STATUS;
    type Response = StatusResponse;
}

/// Cancel order (57): `POST /payment-gateway/v1.0/debit/cancel.htm`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DanaCancel {
    original_partner_reference_no: String,
    #[serde(default)]
    original_reference_no: Option<String>,
    merchant_id: String,
    #[serde(flatten)]
    extra: Extra,
}

impl Validate for DanaCancel {
    fn validate(&self) -> Result<(), FieldError> {
        mandatory(
            "originalPartnerReferenceNo",
            &self.original_partner_reference_no,
        )?;
        mandatory("merchantId", &self.merchant_id)
    }
}

impl SnapRequest for DanaCancel {
    const SERVICE: ServiceCode = ServiceCode::DEBIT_CANCEL;
    type Response = StatusResponse;
}

/// Refund order (58): `POST /payment-gateway/v1.0/debit/refund.htm`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DanaRefund {
    merchant_id: String,
    original_partner_reference_no: String,
    #[serde(default)]
    original_reference_no: Option<String>,
    partner_refund_no: String,
    refund_amount: Money,
    #[serde(flatten)]
    extra: Extra,
}

impl Validate for DanaRefund {
    fn validate(&self) -> Result<(), FieldError> {
        mandatory("merchantId", &self.merchant_id)?;
        mandatory(
            "originalPartnerReferenceNo",
            &self.original_partner_reference_no,
        )?;
        mandatory("partnerRefundNo", &self.partner_refund_no)
    }
}

impl SnapRequest for DanaRefund {
    const SERVICE: ServiceCode = ServiceCode::DEBIT_REFUND;
    type Response = StatusResponse;
}

impl Sandbox {
    fn dana_merchant_ok(&self, merchant_id: &str) -> Result<(), Outcome> {
        if merchant_id == self.qris.merchant_id {
            Ok(())
        } else {
            Err(Outcome::business(Case::InvalidMerchant, ""))
        }
    }

    fn dana_order(
        &self,
        context: &RequestContext,
        reference_no: Option<&str>,
        partner_reference_no: Option<&str>,
    ) -> Result<Qr, Outcome> {
        self.store
            .find_qr(
                Some(context.partner_id().as_str()),
                reference_no,
                partner_reference_no,
            )
            .filter(|qr| qr.flavor == Flavor::Dana)
            .ok_or_else(|| Outcome::business(Case::TransactionNotFound, ""))
    }

    /// Create order (54): an order the payer pays on DANA (`snapbi sandbox pay --qr`).
    pub(crate) fn dana_create_order(
        &self,
        context: &RequestContext,
        request: DanaCreateOrder,
    ) -> HandlerResult {
        let merchant = self.merchant(context)?;
        if let Err(answer) = self.dana_merchant_ok(&request.merchant_id) {
            return Ok(answer);
        }
        if request.amount.currency != Currency::IDR {
            return Ok(Outcome::business(
                Case::InvalidFieldFormat,
                "amount.currency",
            ));
        }
        let now = self.now();
        let expires_at = match request.valid_up_to.parse::<Timestamp>() {
            Ok(t) if t.datetime() > now => t.datetime(),
            _ => return Ok(Outcome::business(Case::InvalidFieldFormat, "validUpTo")),
        };
        let reference_no = self.reference(Flavor::Dana);
        let order = Qr {
            merchant,
            partner_id: self.merchants[merchant].client_id.clone(),
            flavor: Flavor::Dana,
            reference_no: reference_no.clone(),
            partner_reference_no: request.partner_reference_no.clone(),
            amount: request.amount.value,
            qr_content: String::new(),
            created_at: now,
            expires_at: Some(expires_at),
            paid_at: None,
            status: Status::Open,
            refunds: Vec::new(),
        };
        if self.store.insert_qr(order).is_err() {
            return Ok(Outcome::business(Case::DuplicatePartnerreferenceno, ""));
        }
        Ok(Outcome::success_with(fields(vec![
            ("referenceNo", json!(reference_no)),
            ("partnerReferenceNo", json!(request.partner_reference_no)),
            (
                "webRedirectUrl",
                json!(format!("http://sandbox.invalid/pay/{reference_no}")),
            ),
        ])?))
    }

    /// Query payment (55).
    pub(crate) fn dana_query(&self, context: &RequestContext, request: DanaQuery) -> HandlerResult {
        if let Err(answer) = self.dana_merchant_ok(&request.merchant_id) {
            return Ok(answer);
        }
        let order = match self.dana_order(
            context,
            request.original_reference_no.as_deref(),
            request.original_partner_reference_no.as_deref(),
        ) {
            Ok(order) => order,
            Err(answer) => return Ok(answer),
        };
        let (code, desc) = order.status.snap();
        let mut pairs = vec![
            (
                "originalPartnerReferenceNo",
                json!(order.partner_reference_no),
            ),
            ("originalReferenceNo", json!(order.reference_no)),
            ("serviceCode", json!(request.service_code)),
            ("latestTransactionStatus", json!(code)),
            ("transactionStatusDesc", json!(desc)),
            ("amount", money(order.amount)),
        ];
        if let Some(paid) = order.paid_at {
            pairs.push(("paidTime", json!(stamp(paid))));
        }
        Ok(Outcome::success_with(fields(pairs)?))
    }

    /// Cancel order (57): an unpaid order can no longer be paid.
    pub(crate) fn dana_cancel(
        &self,
        context: &RequestContext,
        request: DanaCancel,
    ) -> HandlerResult {
        if let Err(answer) = self.dana_merchant_ok(&request.merchant_id) {
            return Ok(answer);
        }
        let order = match self.dana_order(
            context,
            request.original_reference_no.as_deref(),
            Some(&request.original_partner_reference_no),
        ) {
            Ok(order) => order,
            Err(answer) => return Ok(answer),
        };
        match self.store.cancel_qr(&order.reference_no) {
            Ok(order) => Ok(Outcome::success_with(fields(vec![
                (
                    "originalPartnerReferenceNo",
                    json!(order.partner_reference_no),
                ),
                ("originalReferenceNo", json!(order.reference_no)),
                ("cancelTime", json!(stamp(self.now()))),
            ])?)),
            Err(_) => Ok(Outcome::business(Case::InvalidTransactionStatus, "")),
        }
    }

    /// Refund order (58): `refundAmount` is mandatory in DANA's API.
    pub(crate) fn dana_refund(
        &self,
        context: &RequestContext,
        request: DanaRefund,
    ) -> HandlerResult {
        if let Err(answer) = self.dana_merchant_ok(&request.merchant_id) {
            return Ok(answer);
        }
        if request.refund_amount.currency != Currency::IDR {
            return Ok(Outcome::business(
                Case::InvalidFieldFormat,
                "refundAmount.currency",
            ));
        }
        let order = match self.dana_order(
            context,
            request.original_reference_no.as_deref(),
            Some(&request.original_partner_reference_no),
        ) {
            Ok(order) => order,
            Err(answer) => return Ok(answer),
        };
        match self.store.refund_qr(
            &order.reference_no,
            &request.partner_refund_no,
            Some(request.refund_amount.value),
            self.now(),
        ) {
            Ok((order, refund)) => Ok(Outcome::success_with(fields(vec![
                (
                    "originalPartnerReferenceNo",
                    json!(order.partner_reference_no),
                ),
                ("originalReferenceNo", json!(order.reference_no)),
                ("refundNo", json!(refund.reference_no)),
                ("partnerRefundNo", json!(refund.partner_reference_no)),
                ("refundAmount", money(refund.amount)),
                ("refundTime", json!(stamp(refund.at))),
            ])?)),
            Err(Refusal::Duplicate) => Ok(Outcome::business(Case::DuplicatePartnerreferenceno, "")),
            Err(Refusal::NotFound) => Ok(Outcome::business(Case::TransactionNotFound, "")),
            Err(Refusal::InvalidStatus(_)) => {
                Ok(Outcome::business(Case::InvalidTransactionStatus, ""))
            }
            Err(Refusal::TooMuch) => Ok(Outcome::business(Case::InvalidAmount, "")),
        }
    }
}

/// DANA's finish notify (56): the standard's fields with `merchantId`, `amount`, `createdTime`
/// and `finishedTime` present, as DANA sends it.
pub(crate) fn finish_notify_body(
    order: &Qr,
    amount: Amount,
    merchant_id: &str,
    now: time::OffsetDateTime,
) -> Result<Vec<u8>, String> {
    serde_json::to_vec(&json!({
        "originalPartnerReferenceNo": order.partner_reference_no,
        "originalReferenceNo": order.reference_no,
        "merchantId": merchant_id,
        "amount": money(amount),
        "latestTransactionStatus": "00",
        "transactionStatusDesc": "SUCCESS",
        "createdTime": stamp(order.created_at),
        "finishedTime": stamp(now),
        "additionalInfo": {
            "paymentInfo": {
                "paidTime": stamp(now),
                "payOptionInfos": [{
                    "payMethod": "BALANCE",
                    "transAmount": money(amount),
                }],
            },
        },
    }))
    .map_err(|e| e.to_string())
}
