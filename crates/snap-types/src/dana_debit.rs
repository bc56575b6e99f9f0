//! DANA's payment gateway (Gapura) bodies: create order (payment host-to-host, 54), query
//! payment (55), finish notify (56, DANA → merchant), cancel order (57), refund order (58), as
//! DANA's API reference (`dashboard.dana.id/api-docs-v2/api/payment-gateway/*`) and its Python
//! SDK's models (`dana-python`, `dana/payment_gateway/v1/models/*.py`) state them. DANA serves
//! them at `/payment-gateway/v1.0/debit/*.htm`, every request signed asymmetrically.
//!
//! Mandatory fields are checked for presence and length, optional ones for length, and the
//! enumerations a body alone can decide (`urlParams[].type`, `isDeeplink`) as DANA lists them.
//! Fields not named here (DANA's `payOptionDetails`, `additionalInfo.envInfo`, ...) are kept in
//! `extra` and written back.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::amount::Money;
use crate::request::SnapRequest;
use crate::response_code::ResponseCode;
use crate::service_code::ServiceCode;
use crate::standard_va::{Extra, check_info};
use crate::status_response::{StatusResponse, impl_snap_response};
use crate::transaction_status::TransactionStatus;
use crate::validation::{FieldError, Validate, mandatory_str, optional_str};

/// Checks a list of optional strings against their limits.
fn optional_all(fields: &[(&str, Option<&str>, usize)]) -> Result<(), FieldError> {
    for (path, value, max) in fields {
        optional_str(path, *value, Some(*max))?;
    }
    Ok(())
}

/// Checks a list of mandatory strings against their limits.
fn mandatory_all(fields: &[(&str, &str, usize)]) -> Result<(), FieldError> {
    for (path, value, max) in fields {
        mandatory_str(path, value, Some(*max))?;
    }
    Ok(())
}

/// One entry of create order's `urlParams`: where DANA sends the payer back (`PAY_RETURN`) or
/// the finish notify (`NOTIFICATION`).
///
/// Mandatory: `url` (≤ 512), `type` (`PAY_RETURN` or `NOTIFICATION`), `isDeeplink` (`Y`/`N`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DanaUrlParam {
    /// The URL.
    pub url: String,
    /// `PAY_RETURN` or `NOTIFICATION`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `Y` when `url` is a deeplink.
    pub is_deeplink: String,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl DanaUrlParam {
    /// The `type` of the URL DANA sends the finish notify (56) to.
    pub const NOTIFICATION: &'static str = "NOTIFICATION";
    /// The `type` of the URL DANA sends the payer back to.
    pub const PAY_RETURN: &'static str = "PAY_RETURN";

    fn validate_at(&self, path: &str) -> Result<(), FieldError> {
        mandatory_all(&[
            ("url", &self.url, 512),
            ("type", &self.kind, 32),
            ("isDeeplink", &self.is_deeplink, 1),
        ])
        .and_then(|()| {
            if matches!(self.kind.as_str(), Self::NOTIFICATION | Self::PAY_RETURN) {
                Ok(())
            } else {
                Err(FieldError::format(
                    "type",
                    "must be PAY_RETURN or NOTIFICATION",
                ))
            }
        })
        .and_then(|()| {
            if matches!(self.is_deeplink.as_str(), "Y" | "N") {
                Ok(())
            } else {
                Err(FieldError::format("isDeeplink", "must be Y or N"))
            }
        })
        .map_err(|e| e.under(path))
    }
}

/// Request of create order (service 54, `POST .../debit/payment-host-to-host.htm`, merchant →
/// DANA).
///
/// Mandatory: `partnerReferenceNo` (≤ 64), `merchantId` (≤ 64), `amount`, `validUpTo` (≤ 25),
/// `urlParams` (at least one, see [`DanaUrlParam`]). Optional: `subMerchantId` (≤ 32),
/// `externalStoreId` (≤ 64), `disabledPayMethods` (≤ 64), `additionalInfo` (an object);
/// `payOptionDetails` and the rest are kept in `extra`.
///
/// ```
/// use snap_types::{DanaCreateOrderRequest, parse_request};
///
/// let body = br#"{"partnerReferenceNo":"DN-1","merchantId":"216620000000000000000","amount":{"value":"10000.00","currency":"IDR"},"validUpTo":"2030-01-01T10:00:00+07:00","urlParams":[{"url":"https://shop.example/dana/notify","type":"NOTIFICATION","isDeeplink":"N"}],"payOptionDetails":[]}"#;
/// let order: DanaCreateOrderRequest = parse_request(body)?;
/// assert_eq!(order.notification_url(), Some("https://shop.example/dana/notify"));
/// assert!(order.extra.contains_key("payOptionDetails"));
/// # Ok::<(), snap_types::RequestError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DanaCreateOrderRequest {
    /// The merchant's id of the order.
    pub partner_reference_no: String,
    /// The merchant's id at DANA.
    pub merchant_id: String,
    /// Sub-merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// The amount to pay.
    pub amount: Money,
    /// Store id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_store_id: Option<String>,
    /// When the order expires (`YYYY-MM-DDTHH:mm:ss+07:00`, as sent).
    pub valid_up_to: String,
    /// Payment methods the payer may not use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_pay_methods: Option<String>,
    /// Return and notification URLs.
    pub url_params: Vec<DanaUrlParam>,
    /// Extension object (`mcc`, `envInfo`, `order`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above (`payOptionDetails`, ...), as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl DanaCreateOrderRequest {
    /// The URL of the first `urlParams` entry of type `NOTIFICATION`: where DANA sends this
    /// order's finish notify (56).
    pub fn notification_url(&self) -> Option<&str> {
        self.url_params
            .iter()
            .find(|p| p.kind == DanaUrlParam::NOTIFICATION)
            .map(|p| p.url.as_str())
    }
}

impl Validate for DanaCreateOrderRequest {
    fn validate(&self) -> Result<(), FieldError> {
        mandatory_all(&[
            ("partnerReferenceNo", &self.partner_reference_no, 64),
            ("merchantId", &self.merchant_id, 64),
        ])?;
        optional_all(&[
            ("subMerchantId", self.sub_merchant_id.as_deref(), 32),
            ("externalStoreId", self.external_store_id.as_deref(), 64),
        ])?;
        mandatory_str("validUpTo", &self.valid_up_to, Some(25))?;
        optional_str(
            "disabledPayMethods",
            self.disabled_pay_methods.as_deref(),
            Some(64),
        )?;
        if self.url_params.is_empty() {
            return Err(FieldError::mandatory("urlParams"));
        }
        for (i, param) in self.url_params.iter().enumerate() {
            param.validate_at(&format!("urlParams[{i}]"))?;
        }
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl SnapRequest for DanaCreateOrderRequest {
    const SERVICE: ServiceCode = ServiceCode::DEBIT_PAYMENT_HOST_TO_HOST;
    type Response = DanaCreateOrderResponse;
}

/// Response of create order (54).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DanaCreateOrderResponse {
    /// `2005400` on success.
    pub response_code: ResponseCode,
    /// Free text.
    pub response_message: String,
    /// DANA's id of the order (on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_no: Option<String>,
    /// The merchant's id of the order.
    pub partner_reference_no: String,
    /// The checkout page the payer is sent to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_redirect_url: Option<String>,
    /// Extension object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Request of query payment (service 55, `POST .../debit/status.htm`, merchant → DANA).
///
/// Mandatory: `serviceCode` (≤ 2, `54` for gateway orders), `merchantId` (≤ 64), and one of
/// `originalPartnerReferenceNo` / `originalReferenceNo` (≤ 64 each). Optional:
/// `originalExternalId` (≤ 36), `transactionDate` (≤ 25), `amount`, `subMerchantId` (≤ 32),
/// `externalStoreId` (≤ 64), `additionalInfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DanaQueryPaymentRequest {
    /// The merchant's id of the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// DANA's id of the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// X-EXTERNAL-ID of the order's request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    /// The service of the order (`54`).
    pub service_code: String,
    /// When the order was made (as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_date: Option<String>,
    /// The order's amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// The merchant's id at DANA.
    pub merchant_id: String,
    /// Sub-merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// Store id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_store_id: Option<String>,
    /// Extension object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Validate for DanaQueryPaymentRequest {
    fn validate(&self) -> Result<(), FieldError> {
        if self.original_partner_reference_no.is_none() && self.original_reference_no.is_none() {
            return Err(FieldError::mandatory("originalPartnerReferenceNo"));
        }
        optional_all(&[
            (
                "originalPartnerReferenceNo",
                self.original_partner_reference_no.as_deref(),
                64,
            ),
            (
                "originalReferenceNo",
                self.original_reference_no.as_deref(),
                64,
            ),
            (
                "originalExternalId",
                self.original_external_id.as_deref(),
                36,
            ),
        ])?;
        mandatory_str("serviceCode", &self.service_code, Some(2))?;
        optional_str(
            "transactionDate",
            self.transaction_date.as_deref(),
            Some(25),
        )?;
        mandatory_str("merchantId", &self.merchant_id, Some(64))?;
        optional_all(&[
            ("subMerchantId", self.sub_merchant_id.as_deref(), 32),
            ("externalStoreId", self.external_store_id.as_deref(), 64),
        ])?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl SnapRequest for DanaQueryPaymentRequest {
    const SERVICE: ServiceCode = ServiceCode::DEBIT_STATUS;
    type Response = DanaQueryPaymentResponse;
}

/// Response of query payment (55).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DanaQueryPaymentResponse {
    /// `2005500` on success.
    pub response_code: ResponseCode,
    /// Free text.
    pub response_message: String,
    /// The merchant's id of the order (when found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// DANA's id of the order (when found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// The service of the order (`54`).
    pub service_code: String,
    /// Where the order stands (`00` paid, `05` cancelled, ...).
    pub latest_transaction_status: TransactionStatus,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_status_desc: Option<String>,
    /// The order's amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// When it was paid (as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_time: Option<String>,
    /// Extension object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above (`transAmount`, `title`, ...), as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Request of DANA's finish notify (service 56, `POST /v1.0/debit/notify` or the order's
/// `NOTIFICATION` URL, DANA → merchant, signed asymmetrically): the standard's debit notify with
/// more fields mandatory (`ASPI-SERVICES.md` §5.1).
///
/// Mandatory: `originalPartnerReferenceNo`, `originalReferenceNo`, `merchantId` (≤ 64 each),
/// `amount`, `latestTransactionStatus` (2: `00` paid, `05` closed), `createdTime` and
/// `finishedTime` (≤ 25). Optional: `originalExternalId` (≤ 36), `subMerchantId` (≤ 32),
/// `transactionStatusDesc` (≤ 50), `externalStoreId` (≤ 64), `additionalInfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DanaFinishNotify {
    /// The merchant's id of the order.
    pub original_partner_reference_no: String,
    /// DANA's id of the order.
    pub original_reference_no: String,
    /// X-EXTERNAL-ID of the order's request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    /// The merchant's id at DANA.
    pub merchant_id: String,
    /// Sub-merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// The amount paid.
    pub amount: Money,
    /// `00` paid, `05` closed.
    pub latest_transaction_status: TransactionStatus,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_status_desc: Option<String>,
    /// When the order was made (as sent).
    pub created_time: String,
    /// When it finished (as sent).
    pub finished_time: String,
    /// Store id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_store_id: Option<String>,
    /// Extension object (`paymentInfo`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Validate for DanaFinishNotify {
    fn validate(&self) -> Result<(), FieldError> {
        mandatory_all(&[
            (
                "originalPartnerReferenceNo",
                &self.original_partner_reference_no,
                64,
            ),
            ("originalReferenceNo", &self.original_reference_no, 64),
        ])?;
        optional_str(
            "originalExternalId",
            self.original_external_id.as_deref(),
            Some(36),
        )?;
        mandatory_str("merchantId", &self.merchant_id, Some(64))?;
        optional_str("subMerchantId", self.sub_merchant_id.as_deref(), Some(32))?;
        mandatory_str(
            "latestTransactionStatus",
            self.latest_transaction_status.code(),
            Some(2),
        )?;
        if self.latest_transaction_status.code().len() != 2 {
            return Err(FieldError::format(
                "latestTransactionStatus",
                "must be 2 characters",
            ));
        }
        optional_str(
            "transactionStatusDesc",
            self.transaction_status_desc.as_deref(),
            Some(50),
        )?;
        mandatory_all(&[
            ("createdTime", &self.created_time, 25),
            ("finishedTime", &self.finished_time, 25),
        ])?;
        optional_str(
            "externalStoreId",
            self.external_store_id.as_deref(),
            Some(64),
        )?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl SnapRequest for DanaFinishNotify {
    const SERVICE: ServiceCode = ServiceCode::DEBIT_NOTIFY;
    type Response = StatusResponse;
}

/// Request of cancel order (service 57, `POST .../debit/cancel.htm`, merchant → DANA).
///
/// Mandatory: `originalPartnerReferenceNo` (≤ 64), `merchantId` (≤ 64). Optional:
/// `originalReferenceNo` (≤ 64), `originalExternalId` (≤ 36), `subMerchantId` (≤ 32), `reason`
/// (≤ 256), `externalStoreId` (≤ 64), `amount`, `additionalInfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DanaCancelOrderRequest {
    /// The merchant's id of the order.
    pub original_partner_reference_no: String,
    /// DANA's id of the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// X-EXTERNAL-ID of the order's request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    /// The merchant's id at DANA.
    pub merchant_id: String,
    /// Sub-merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Store id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_store_id: Option<String>,
    /// The order's amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// Extension object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Validate for DanaCancelOrderRequest {
    fn validate(&self) -> Result<(), FieldError> {
        mandatory_str(
            "originalPartnerReferenceNo",
            &self.original_partner_reference_no,
            Some(64),
        )?;
        optional_all(&[
            (
                "originalReferenceNo",
                self.original_reference_no.as_deref(),
                64,
            ),
            (
                "originalExternalId",
                self.original_external_id.as_deref(),
                36,
            ),
        ])?;
        mandatory_str("merchantId", &self.merchant_id, Some(64))?;
        optional_all(&[
            ("subMerchantId", self.sub_merchant_id.as_deref(), 32),
            ("reason", self.reason.as_deref(), 256),
            ("externalStoreId", self.external_store_id.as_deref(), 64),
        ])?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl SnapRequest for DanaCancelOrderRequest {
    const SERVICE: ServiceCode = ServiceCode::DEBIT_CANCEL;
    type Response = DanaCancelOrderResponse;
}

/// Response of cancel order (57).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DanaCancelOrderResponse {
    /// `2005700` on success.
    pub response_code: ResponseCode,
    /// Free text.
    pub response_message: String,
    /// DANA's id of the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// The merchant's id of the order.
    pub original_partner_reference_no: String,
    /// When it was cancelled (as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_time: Option<String>,
    /// Extension object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above (`originalExternalId`, `transactionDate`, ...), as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Request of refund order (service 58, `POST .../debit/refund.htm`, merchant → DANA).
///
/// Mandatory: `merchantId`, `originalPartnerReferenceNo`, `partnerRefundNo` (≤ 64 each) and
/// `refundAmount` (DANA makes it mandatory; the standard does not). Optional: `subMerchantId`
/// (≤ 32), `originalReferenceNo` (≤ 64), `originalExternalId` (≤ 36), `originalCaptureNo`
/// (≤ 64), `externalStoreId` (≤ 64), `reason` (≤ 256), `additionalInfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DanaRefundOrderRequest {
    /// The merchant's id at DANA.
    pub merchant_id: String,
    /// Sub-merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// DANA's id of the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// The merchant's id of the order.
    pub original_partner_reference_no: String,
    /// X-EXTERNAL-ID of the order's request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    /// DANA's capture id (auth-and-capture orders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_capture_no: Option<String>,
    /// The merchant's id of the refund.
    pub partner_refund_no: String,
    /// How much to refund.
    pub refund_amount: Money,
    /// Store id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_store_id: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Extension object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Validate for DanaRefundOrderRequest {
    fn validate(&self) -> Result<(), FieldError> {
        mandatory_str("merchantId", &self.merchant_id, Some(64))?;
        optional_all(&[
            ("subMerchantId", self.sub_merchant_id.as_deref(), 32),
            (
                "originalReferenceNo",
                self.original_reference_no.as_deref(),
                64,
            ),
        ])?;
        mandatory_str(
            "originalPartnerReferenceNo",
            &self.original_partner_reference_no,
            Some(64),
        )?;
        optional_all(&[
            (
                "originalExternalId",
                self.original_external_id.as_deref(),
                36,
            ),
            ("originalCaptureNo", self.original_capture_no.as_deref(), 64),
        ])?;
        mandatory_str("partnerRefundNo", &self.partner_refund_no, Some(64))?;
        optional_all(&[
            ("externalStoreId", self.external_store_id.as_deref(), 64),
            ("reason", self.reason.as_deref(), 256),
        ])?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl SnapRequest for DanaRefundOrderRequest {
    const SERVICE: ServiceCode = ServiceCode::DEBIT_REFUND;
    type Response = DanaRefundOrderResponse;
}

/// Response of refund order (58).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DanaRefundOrderResponse {
    /// `2005800` on success.
    pub response_code: ResponseCode,
    /// Free text.
    pub response_message: String,
    /// DANA's id of the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// The merchant's id of the order.
    pub original_partner_reference_no: String,
    /// DANA's id of the refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_no: Option<String>,
    /// The merchant's id of the refund.
    pub partner_refund_no: String,
    /// How much was refunded.
    pub refund_amount: Money,
    /// When (as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_time: Option<String>,
    /// Extension object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above (`originalExternalId`, `originalCaptureNo`, ...), as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl_snap_response!(
    DanaCreateOrderResponse,
    DanaQueryPaymentResponse,
    DanaCancelOrderResponse,
    DanaRefundOrderResponse,
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{FieldErrorKind, parse_request};

    const ORDER: &str = r#"{"partnerReferenceNo":"DN-1","merchantId":"M1","amount":{"value":"1000.00","currency":"IDR"},"validUpTo":"2030-01-01T10:00:00+07:00","urlParams":[{"url":"https://m.example/back","type":"PAY_RETURN","isDeeplink":"N"},{"url":"https://m.example/notify","type":"NOTIFICATION","isDeeplink":"N"}],"payOptionDetails":[{"payMethod":"BALANCE"}]}"#;

    #[test]
    fn sdk_shapes_pass_and_keep_unknown_fields() {
        let order = parse_request::<DanaCreateOrderRequest>(ORDER.as_bytes()).unwrap();
        assert_eq!(order.notification_url(), Some("https://m.example/notify"));
        let json = serde_json::to_string(&order).unwrap();
        assert!(
            json.contains(r#""payOptionDetails":[{"payMethod":"BALANCE"}]"#),
            "{json}"
        );
        assert!(json.contains(r#""type":"NOTIFICATION""#), "{json}");
        parse_request::<DanaQueryPaymentRequest>(
            br#"{"originalReferenceNo":"DN1","serviceCode":"54","merchantId":"M1"}"#,
        )
        .unwrap();
        parse_request::<DanaCancelOrderRequest>(
            br#"{"originalPartnerReferenceNo":"DN-1","merchantId":"M1","reason":"x"}"#,
        )
        .unwrap();
        parse_request::<DanaRefundOrderRequest>(br#"{"merchantId":"M1","originalPartnerReferenceNo":"DN-1","partnerRefundNo":"RF-1","refundAmount":{"value":"1.00","currency":"IDR"}}"#).unwrap();
        parse_request::<DanaFinishNotify>(br#"{"originalPartnerReferenceNo":"DN-1","originalReferenceNo":"DN1","merchantId":"M1","amount":{"value":"1.00","currency":"IDR"},"latestTransactionStatus":"00","createdTime":"2030-01-01T10:00:00+07:00","finishedTime":"2030-01-01T10:01:00+07:00"}"#).unwrap();
    }

    #[test]
    fn danas_tables_are_enforced() {
        let cases: [(String, FieldErrorKind, &str); 5] = [
            (
                ORDER.replace(r#""merchantId":"M1","#, ""),
                FieldErrorKind::Mandatory,
                "merchantId",
            ),
            (
                ORDER.replace(r#""type":"NOTIFICATION""#, r#""type":"WEBHOOK""#),
                FieldErrorKind::Format,
                "urlParams[1].type",
            ),
            (
                ORDER.replace(r#""isDeeplink":"N"}]"#, r#""isDeeplink":"no"}]"#),
                FieldErrorKind::Format,
                "urlParams[1].isDeeplink",
            ),
            (
                ORDER.replace(r#","isDeeplink":"N"}]"#, "}]"),
                FieldErrorKind::Mandatory,
                "urlParams[1].isDeeplink",
            ),
            (
                ORDER.replace(
                    r#""urlParams":[{"url":"https://m.example/back","type":"PAY_RETURN","isDeeplink":"N"},{"url":"https://m.example/notify","type":"NOTIFICATION","isDeeplink":"N"}]"#,
                    r#""urlParams":[]"#,
                ),
                FieldErrorKind::Mandatory,
                "urlParams",
            ),
        ];
        for (body, kind, path) in cases {
            let err = parse_request::<DanaCreateOrderRequest>(body.as_bytes()).unwrap_err();
            let field = err.field_error().unwrap();
            assert_eq!((field.kind(), field.path()), (kind, path), "{body}");
        }
        let err =
            parse_request::<DanaQueryPaymentRequest>(br#"{"serviceCode":"54","merchantId":"M1"}"#)
                .unwrap_err();
        assert_eq!(
            err.field_error().unwrap().path(),
            "originalPartnerReferenceNo"
        );
        let err = parse_request::<DanaRefundOrderRequest>(
            br#"{"merchantId":"M1","originalPartnerReferenceNo":"DN-1","partnerRefundNo":"RF-1"}"#,
        )
        .unwrap_err();
        assert_eq!(err.field_error().unwrap().path(), "refundAmount");
        let err = parse_request::<DanaFinishNotify>(br#"{"originalPartnerReferenceNo":"DN-1","originalReferenceNo":"DN1","merchantId":"M1","amount":{"value":"1.00","currency":"IDR"},"latestTransactionStatus":"00","finishedTime":"2030-01-01T10:01:00+07:00"}"#).unwrap_err();
        assert_eq!(err.field_error().unwrap().path(), "createdTime");
    }
}
