//! The `dana` profile: DANA's payment gateway (Gapura) as its Python SDK (`dana-python` 2.2.2,
//! `payment_gateway/v1/api/payment_gateway_api.py`) calls it: every request signed
//! asymmetrically (no token), direct-debit services at `/payment-gateway/v1.0/debit/*.htm`:
//! create order (payment host-to-host, 54), query (55), cancel (57), refund (58). A paid order is
//! notified as DANA's finish notify (56 with `merchantId`, `amount`, `createdTime`,
//! `finishedTime` mandatory), signed with the sandbox's key.
//!
//! The bodies are snap-types' `Dana*` DTOs (DANA's API reference and SDK models); the answers
//! are their response DTOs. A paid order's finish notify goes to the order's `urlParams` entry of
//! type `NOTIFICATION`, as DANA sends it; an order without one is notified at the merchant's
//! configured callback (`debit_notify_path`).
//!
//! | situation | answer |
//! |---|---|
//! | a mandatory field missing or empty | `400xx02 Invalid Mandatory Field {field}` |
//! | a `NOTIFICATION` URL that is not an absolute `http(s)` URL | `400xx01 Invalid Field Format urlParams[i].url` |
//! | `merchantId` other than the sandbox merchant's | `404xx08 Invalid Merchant` |
//! | currency not IDR, `validUpTo` not RFC 3339 or past | `400xx01 Invalid Field Format {field}` |
//! | a used `partnerReferenceNo` / `partnerRefundNo` | `409xx01` |
//! | unknown order | `404xx01 Transaction Not Found` |
//! | cancel a paid order, refund an unpaid one | `404xx00 Invalid Transaction Status` |
//! | refund more than is left | `404xx13 Invalid Amount` |
//!
//! Query answers DANA's statuses: `01` Initiated for an unpaid order, `00` Success, `05`
//! Cancelled.

use serde_json::json;
use snap_http::{Outcome, RequestContext};
use snap_types::{
    Amount, Case, Currency, DanaCancelOrderRequest, DanaCancelOrderResponse,
    DanaCreateOrderRequest, DanaCreateOrderResponse, DanaFinishNotify, DanaQueryPaymentRequest,
    DanaQueryPaymentResponse, DanaRefundOrderRequest, DanaRefundOrderResponse, DanaUrlParam, Extra,
    Money, ResponseCode, ServiceCode, Timestamp, TransactionStatus,
};

use super::provider::{HandlerResult, Sandbox, stamp};
use super::state::{Flavor, Qr, Status};

/// An order's `latestTransactionStatus` in query payment (55) as DANA lists it: `00` Success
/// (paid; a refund does not change it), `01` Initiated (waiting for payment), `05` Cancelled
/// (cancelled, or closed on expiry). DANA has no `03`; `02` Paying and `07` Not found never
/// apply here (an unknown order is `404xx01`).
fn dana_status(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Open => ("01", "Initiated"),
        Status::Paid | Status::Refunded => ("00", "Success"),
        Status::Canceled | Status::Expired => ("05", "Cancelled"),
    }
}

/// `200xx00 Successful` of `service`: the code and message a response DTO carries (the server
/// writes the same in its place).
fn successful(service: ServiceCode) -> (ResponseCode, String) {
    (
        ResponseCode::of(Case::Successful, service),
        "Successful".to_owned(),
    )
}

/// The index of the `NOTIFICATION` entry whose URL the sandbox cannot send to: not an absolute
/// `http://` or `https://` URL.
fn bad_notification_url(params: &[DanaUrlParam]) -> Option<usize> {
    params.iter().position(|p| {
        p.kind == DanaUrlParam::NOTIFICATION
            && p.url.parse::<http::Uri>().map_or(true, |uri| {
                !matches!(uri.scheme_str(), Some("http" | "https")) || uri.authority().is_none()
            })
    })
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
        request: DanaCreateOrderRequest,
    ) -> HandlerResult {
        let merchant = self.merchant(context)?;
        if let Err(answer) = self.dana_merchant_ok(&request.merchant_id) {
            return Ok(answer);
        }
        if let Some(i) = bad_notification_url(&request.url_params) {
            return Ok(Outcome::business(
                Case::InvalidFieldFormat,
                format!("urlParams[{i}].url"),
            ));
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
            notify_url: request.notification_url().map(str::to_owned),
        };
        if self.store.insert_qr(order).is_err() {
            return Ok(Outcome::business(Case::DuplicatePartnerreferenceno, ""));
        }
        let (response_code, response_message) = successful(ServiceCode::DEBIT_PAYMENT_HOST_TO_HOST);
        Ok(Outcome::success_with(DanaCreateOrderResponse {
            response_code,
            response_message,
            web_redirect_url: Some(format!("http://sandbox.invalid/pay/{reference_no}")),
            reference_no: Some(reference_no),
            partner_reference_no: request.partner_reference_no,
            additional_info: None,
            extra: Extra::new(),
        }))
    }

    /// Query payment (55).
    pub(crate) fn dana_query(
        &self,
        context: &RequestContext,
        request: DanaQueryPaymentRequest,
    ) -> HandlerResult {
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
        let (code, desc) = dana_status(order.status);
        let (response_code, response_message) = successful(ServiceCode::DEBIT_STATUS);
        Ok(Outcome::success_with(DanaQueryPaymentResponse {
            response_code,
            response_message,
            original_partner_reference_no: Some(order.partner_reference_no),
            original_reference_no: Some(order.reference_no),
            service_code: request.service_code,
            latest_transaction_status: TransactionStatus::from(code),
            transaction_status_desc: Some(desc.to_owned()),
            amount: Some(Money::idr(order.amount)),
            paid_time: order.paid_at.map(stamp),
            additional_info: None,
            extra: Extra::new(),
        }))
    }

    /// Cancel order (57): an unpaid order can no longer be paid.
    pub(crate) fn dana_cancel(
        &self,
        context: &RequestContext,
        request: DanaCancelOrderRequest,
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
        let (response_code, response_message) = successful(ServiceCode::DEBIT_CANCEL);
        match self.store.cancel_qr(&order.reference_no) {
            Ok(order) => Ok(Outcome::success_with(DanaCancelOrderResponse {
                response_code,
                response_message,
                original_reference_no: Some(order.reference_no),
                original_partner_reference_no: order.partner_reference_no,
                cancel_time: Some(stamp(self.now())),
                additional_info: None,
                extra: Extra::new(),
            })),
            Err(_) => Ok(Outcome::business(Case::InvalidTransactionStatus, "")),
        }
    }

    /// Refund order (58): `refundAmount` is mandatory in DANA's API.
    pub(crate) fn dana_refund(
        &self,
        context: &RequestContext,
        request: DanaRefundOrderRequest,
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
        let (response_code, response_message) = successful(ServiceCode::DEBIT_REFUND);
        match self.store.refund_qr(
            &order.reference_no,
            &request.partner_refund_no,
            Some(request.refund_amount.value),
            self.now(),
        ) {
            Ok((order, refund)) => Ok(Outcome::success_with(DanaRefundOrderResponse {
                response_code,
                response_message,
                original_reference_no: Some(order.reference_no),
                original_partner_reference_no: order.partner_reference_no,
                refund_no: Some(refund.reference_no),
                partner_refund_no: refund.partner_reference_no,
                refund_amount: Money::idr(refund.amount),
                refund_time: Some(stamp(refund.at)),
                additional_info: None,
                extra: Extra::new(),
            })),
            Err(refusal) => Ok(refusal.refund_answer()),
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
    let notify = DanaFinishNotify {
        original_partner_reference_no: order.partner_reference_no.clone(),
        original_reference_no: order.reference_no.clone(),
        original_external_id: None,
        merchant_id: merchant_id.to_owned(),
        sub_merchant_id: None,
        amount: Money::idr(amount),
        latest_transaction_status: TransactionStatus::Success,
        transaction_status_desc: Some("SUCCESS".to_owned()),
        created_time: stamp(order.created_at),
        finished_time: stamp(now),
        external_store_id: None,
        additional_info: Some(json!({
            "paymentInfo": {
                "paidTime": stamp(now),
                "payOptionInfos": [{
                    "payMethod": "BALANCE",
                    "transAmount": Money::idr(amount),
                }],
            },
        })),
        extra: Extra::new(),
    };
    serde_json::to_vec(&notify).map_err(|e| e.to_string())
}
