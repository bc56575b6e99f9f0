//! The ASPI standard's QR MPM bodies (generate 47, query 51, notify 52, cancel 77, refund 78)
//! and the direct-debit notification (56), as the ASPI SNAP developer site's "MPM" and "Direct
//! Debit" pages table them (digest: `ASPI-SERVICES.md` §4–5), beside the seed shapes of
//! `qr_mpm.rs` and `debit_notify.rs`.
//!
//! As in `standard_va.rs`: unknown fields are kept in `extra`, optional fields are optional,
//! mandatory ones are checked for presence and length.

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

/// Request of QR MPM generate (service 47, merchant → PJP). Every field is optional in the
/// standard: `partnerReferenceNo` (≤ 64), `amount`, `feeAmount`, `merchantId` (≤ 64),
/// `subMerchantId` (≤ 32), `storeId` (≤ 64), `terminalId` (≤ 16), `validityPeriod` (≤ 25),
/// `additionalInfo` (an object of any shape).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardQrGenerateRequest {
    /// The merchant's transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// Net amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// Fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_amount: Option<Money>,
    /// Merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// Sub-merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// The merchant's shop id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// Terminal id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<String>,
    /// When the QR expires (ISO-8601, as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_period: Option<String>,
    /// Extension object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Validate for StandardQrGenerateRequest {
    fn validate(&self) -> Result<(), FieldError> {
        optional_all(&[
            (
                "partnerReferenceNo",
                self.partner_reference_no.as_deref(),
                64,
            ),
            ("merchantId", self.merchant_id.as_deref(), 64),
            ("subMerchantId", self.sub_merchant_id.as_deref(), 32),
            ("storeId", self.store_id.as_deref(), 64),
            ("terminalId", self.terminal_id.as_deref(), 16),
            ("validityPeriod", self.validity_period.as_deref(), 25),
        ])?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl SnapRequest for StandardQrGenerateRequest {
    const SERVICE: ServiceCode = ServiceCode::QR_MPM_GENERATE;
    type Response = StandardQrGenerateResponse;
}

/// Response of QR MPM generate (47). On success `qrContent` is conditional: when absent,
/// `qrUrl` or `qrImage` must be present ([`StandardQrGenerateResponse::has_qr`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardQrGenerateResponse {
    /// `2004700` on success.
    pub response_code: ResponseCode,
    /// Free text.
    pub response_message: String,
    /// The PJP's transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_no: Option<String>,
    /// Echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// The QRIS payload (≤ 512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_content: Option<String>,
    /// Where to download the QR image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_url: Option<String>,
    /// Base64 QR image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_image: Option<String>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl StandardQrGenerateResponse {
    /// The standard's conditional rule: one of `qrContent`, `qrUrl`, `qrImage` is there.
    pub fn has_qr(&self) -> bool {
        [&self.qr_content, &self.qr_url, &self.qr_image]
            .iter()
            .any(|v| v.as_deref().is_some_and(|s| !s.is_empty()))
    }
}

impl_snap_response!(StandardQrGenerateResponse);

/// Request of QR MPM query (service 51, merchant → PJP). Mandatory: `serviceCode` (2, the
/// original transaction's service, `"47"`). Optional: `originalReferenceNo`,
/// `originalPartnerReferenceNo`, `externalStoreId`, `merchantId` (≤ 64), `originalExternalId`
/// (≤ 32), `subMerchantId` (≤ 32), `additionalInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardQrQueryRequest {
    /// The PJP's id of the original transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// The merchant's id of the original transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// X-EXTERNAL-ID of the original request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    /// Service code of the original transaction.
    pub service_code: String,
    /// Merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// Extension object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Validate for StandardQrQueryRequest {
    fn validate(&self) -> Result<(), FieldError> {
        optional_all(&[
            (
                "originalReferenceNo",
                self.original_reference_no.as_deref(),
                64,
            ),
            (
                "originalPartnerReferenceNo",
                self.original_partner_reference_no.as_deref(),
                64,
            ),
            (
                "originalExternalId",
                self.original_external_id.as_deref(),
                32,
            ),
        ])?;
        mandatory_str("serviceCode", &self.service_code, Some(2))?;
        optional_all(&[
            ("merchantId", self.merchant_id.as_deref(), 64),
            (
                "subMerchantId",
                self.extra.get("subMerchantId").and_then(Value::as_str),
                32,
            ),
            (
                "externalStoreId",
                self.extra.get("externalStoreId").and_then(Value::as_str),
                64,
            ),
        ])?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl SnapRequest for StandardQrQueryRequest {
    const SERVICE: ServiceCode = ServiceCode::QR_MPM_QUERY;
    type Response = StandardQrQueryResponse;
}

/// Response of QR MPM query (51).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardQrQueryResponse {
    /// `2005100` when the query worked (whatever the payment's status).
    pub response_code: ResponseCode,
    /// Free text.
    pub response_message: String,
    /// The PJP's id (filled on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// The merchant's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// The original transaction's service code (mandatory on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_code: Option<String>,
    /// `00` Success ... (mandatory on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_transaction_status: Option<TransactionStatus>,
    /// When it was paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_time: Option<String>,
    /// Amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl_snap_response!(StandardQrQueryResponse);

/// Request of QR MPM payment notification (service 52, PJP → merchant). Mandatory:
/// `originalReferenceNo` (≤ 64) and `latestTransactionStatus` (2). Optional:
/// `originalPartnerReferenceNo` (≤ 64), `transactionStatusDesc` (≤ 50), `customerNumber` (≤ 64),
/// `accountType`, `destinationNumber`, `destinationAccountName`, `sessionId` (≤ 25),
/// `bankCode` (≤ 11), `externalStoreId` (≤ 64), `amount`, `additionalInfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardQrNotification {
    /// The PJP's transaction id.
    pub original_reference_no: String,
    /// The merchant's transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// `00` Success ...
    pub latest_transaction_status: TransactionStatus,
    /// Description of the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_status_desc: Option<String>,
    /// Amount paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// Extension object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Validate for StandardQrNotification {
    fn validate(&self) -> Result<(), FieldError> {
        mandatory_str("originalReferenceNo", &self.original_reference_no, Some(64))?;
        optional_str(
            "originalPartnerReferenceNo",
            self.original_partner_reference_no.as_deref(),
            Some(64),
        )?;
        check_status(&self.latest_transaction_status)?;
        optional_str(
            "transactionStatusDesc",
            self.transaction_status_desc.as_deref(),
            Some(50),
        )?;
        let extra = |k: &str| self.extra.get(k).and_then(Value::as_str);
        optional_all(&[
            ("customerNumber", extra("customerNumber"), 64),
            ("accountType", extra("accountType"), 25),
            ("destinationNumber", extra("destinationNumber"), 25),
            (
                "destinationAccountName",
                extra("destinationAccountName"),
                25,
            ),
            ("sessionId", extra("sessionId"), 25),
            ("bankCode", extra("bankCode"), 11),
            ("externalStoreId", extra("externalStoreId"), 64),
        ])?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

fn check_status(status: &TransactionStatus) -> Result<(), FieldError> {
    mandatory_str("latestTransactionStatus", status.code(), Some(2))?;
    if status.code().len() == 2 {
        Ok(())
    } else {
        Err(FieldError::format(
            "latestTransactionStatus",
            "must be 2 characters",
        ))
    }
}

impl SnapRequest for StandardQrNotification {
    const SERVICE: ServiceCode = ServiceCode::QR_MPM_NOTIFY;
    type Response = StatusResponse;
}

/// Request of QR MPM cancel (service 77, merchant → PJP). Mandatory: `merchantId` (≤ 64) and
/// `reason` (≤ 256). Optional: `originalPartnerReferenceNo`, `originalReferenceNo` (≤ 64),
/// `originalExternalId` (≤ 32), `subMerchantId` (≤ 32), `externalStoreId` (≤ 64), `amount`,
/// `additionalInfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardQrCancelRequest {
    /// The merchant's id of the transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// The PJP's id of the transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// Merchant id.
    pub merchant_id: String,
    /// Why it is cancelled.
    pub reason: String,
    /// Amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// Extension object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Validate for StandardQrCancelRequest {
    fn validate(&self) -> Result<(), FieldError> {
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
                self.extra.get("originalExternalId").and_then(Value::as_str),
                32,
            ),
        ])?;
        mandatory_str("merchantId", &self.merchant_id, Some(64))?;
        optional_all(&[
            (
                "subMerchantId",
                self.extra.get("subMerchantId").and_then(Value::as_str),
                32,
            ),
            (
                "externalStoreId",
                self.extra.get("externalStoreId").and_then(Value::as_str),
                64,
            ),
        ])?;
        mandatory_str("reason", &self.reason, Some(256))?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl SnapRequest for StandardQrCancelRequest {
    const SERVICE: ServiceCode = ServiceCode::QR_MPM_CANCEL;
    type Response = StandardQrCancelResponse;
}

/// Response of QR MPM cancel (77).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardQrCancelResponse {
    /// `2007700` on success.
    pub response_code: ResponseCode,
    /// Free text.
    pub response_message: String,
    /// The PJP's id (filled on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// When the cancel took effect (filled on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_time: Option<String>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl_snap_response!(StandardQrCancelResponse);

/// Request of QR MPM refund (service 78, merchant → PJP). Mandatory:
/// `originalPartnerReferenceNo` (≤ 64) and `partnerRefundNo` (≤ 64, the caller's refund id;
/// **not** `partnerReferenceNo`). Optional: `merchantId`, `externalStoreId`,
/// `originalReferenceNo` (≤ 64), `subMerchantId`, `originalExternalId` (≤ 32), `refundAmount`
/// (absent: the whole amount), `reason` (≤ 256), `additionalInfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardQrRefundRequest {
    /// Merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// The merchant's id of the paid transaction.
    pub original_partner_reference_no: String,
    /// The PJP's id of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// The caller's refund id.
    pub partner_refund_no: String,
    /// Amount to refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<Money>,
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

impl Validate for StandardQrRefundRequest {
    fn validate(&self) -> Result<(), FieldError> {
        optional_str("merchantId", self.merchant_id.as_deref(), Some(64))?;
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
                self.extra.get("originalExternalId").and_then(Value::as_str),
                32,
            ),
            (
                "subMerchantId",
                self.extra.get("subMerchantId").and_then(Value::as_str),
                32,
            ),
            (
                "externalStoreId",
                self.extra.get("externalStoreId").and_then(Value::as_str),
                64,
            ),
        ])?;
        mandatory_str("partnerRefundNo", &self.partner_refund_no, Some(64))?;
        optional_str("reason", self.reason.as_deref(), Some(256))?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl SnapRequest for StandardQrRefundRequest {
    const SERVICE: ServiceCode = ServiceCode::QR_MPM_REFUND;
    type Response = StandardQrRefundResponse;
}

/// Response of QR MPM refund (78).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardQrRefundResponse {
    /// `2007800` on success.
    pub response_code: ResponseCode,
    /// Free text.
    pub response_message: String,
    /// The PJP's refund id (mandatory on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_no: Option<String>,
    /// Echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_refund_no: Option<String>,
    /// Amount refunded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<Money>,
    /// When (mandatory on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_time: Option<String>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl_snap_response!(StandardQrRefundResponse);

/// Request of the direct-debit payment notification (service 56, PJP → merchant). Mandatory:
/// `originalReferenceNo` (≤ 64) and `latestTransactionStatus` (2). Optional:
/// `originalPartnerReferenceNo`, `merchantId`, `externalStoreId` (≤ 64), `originalExternalId`,
/// `subMerchantId` (≤ 32), `amount`, `transactionStatusDesc` (≤ 50), `createdTime` and
/// `finishedTime` (≤ 25, as sent), `additionalInfo`.
///
/// Seed 001's shape (QoinHub) is a stricter form of this one: every seed 001 body passes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardDebitNotification {
    /// The merchant's id of the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// The PJP's id of the payment.
    pub original_reference_no: String,
    /// Net amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// `00` Success ...
    pub latest_transaction_status: TransactionStatus,
    /// Description of the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_status_desc: Option<String>,
    /// When the transaction was created (as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    /// When it finished (as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_time: Option<String>,
    /// Extension object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Validate for StandardDebitNotification {
    fn validate(&self) -> Result<(), FieldError> {
        optional_str(
            "originalPartnerReferenceNo",
            self.original_partner_reference_no.as_deref(),
            Some(64),
        )?;
        mandatory_str("originalReferenceNo", &self.original_reference_no, Some(64))?;
        let extra = |k: &str| self.extra.get(k).and_then(Value::as_str);
        optional_all(&[
            ("originalExternalId", extra("originalExternalId"), 32),
            ("merchantId", extra("merchantId"), 64),
            ("subMerchantId", extra("subMerchantId"), 32),
            ("externalStoreId", extra("externalStoreId"), 64),
        ])?;
        check_status(&self.latest_transaction_status)?;
        optional_all(&[
            (
                "transactionStatusDesc",
                self.transaction_status_desc.as_deref(),
                50,
            ),
            ("createdTime", self.created_time.as_deref(), 25),
            ("finishedTime", self.finished_time.as_deref(), 25),
        ])?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl SnapRequest for StandardDebitNotification {
    const SERVICE: ServiceCode = ServiceCode::DEBIT_NOTIFY;
    type Response = StatusResponse;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{FieldErrorKind, parse_request};

    #[test]
    fn aspi_samples_pass() {
        parse_request::<StandardQrGenerateRequest>(b"{}").unwrap();
        parse_request::<StandardQrGenerateRequest>(
            br#"{"partnerReferenceNo":"ORDER-0001","amount":{"value":"25000.00","currency":"IDR"},"merchantId":"M000123","additionalInfo":{"any":1}}"#,
        )
        .unwrap();
        parse_request::<StandardQrQueryRequest>(
            br#"{"originalPartnerReferenceNo":"ORDER-0001","serviceCode":"47"}"#,
        )
        .unwrap();
        parse_request::<StandardQrNotification>(
            br#"{"originalReferenceNo":"PJP-REF-778899","latestTransactionStatus":"00"}"#,
        )
        .unwrap();
        parse_request::<StandardQrCancelRequest>(
            br#"{"originalPartnerReferenceNo":"ORDER-0001","merchantId":"M000123","reason":"customer cancelled"}"#,
        )
        .unwrap();
        parse_request::<StandardQrRefundRequest>(
            br#"{"originalPartnerReferenceNo":"ORDER-0001","partnerRefundNo":"RF-0001","refundAmount":{"value":"10000.00","currency":"IDR"}}"#,
        )
        .unwrap();
        // The standard debit notify needs no createdTime; seed 001's body passes too.
        parse_request::<StandardDebitNotification>(
            br#"{"originalReferenceNo":"PJP-REF-778899","latestTransactionStatus":"00"}"#,
        )
        .unwrap();
        parse_request::<StandardDebitNotification>(
            br#"{"additionalInfo":{"amount":{"value":"1.00","currency":"IDR"}},"createdTime":"2024-08-15 05:53:11","latestTransactionStatus":"00","originalPartnerReferenceNo":"A","originalReferenceNo":"B","transactionStatusDesc":"Success"}"#,
        )
        .unwrap();
    }

    #[test]
    fn rules_of_the_tables() {
        let cases: [(Result<(), crate::RequestError>, FieldErrorKind, &str); 5] = [
            (
                parse_request::<StandardQrQueryRequest>(br#"{"originalReferenceNo":"A"}"#)
                    .map(drop),
                FieldErrorKind::Mandatory,
                "serviceCode",
            ),
            (
                parse_request::<StandardQrRefundRequest>(
                    br#"{"originalPartnerReferenceNo":"A","partnerReferenceNo":"R"}"#,
                )
                .map(drop),
                FieldErrorKind::Mandatory,
                "partnerRefundNo",
            ),
            (
                parse_request::<StandardQrCancelRequest>(br#"{"merchantId":"M"}"#).map(drop),
                FieldErrorKind::Mandatory,
                "reason",
            ),
            (
                parse_request::<StandardDebitNotification>(br#"{"originalReferenceNo":"A"}"#)
                    .map(drop),
                FieldErrorKind::Mandatory,
                "latestTransactionStatus",
            ),
            (
                parse_request::<StandardQrNotification>(
                    br#"{"originalReferenceNo":"A","latestTransactionStatus":"000"}"#,
                )
                .map(drop),
                FieldErrorKind::Format,
                "latestTransactionStatus",
            ),
        ];
        for (result, kind, path) in cases {
            let err = result.unwrap_err();
            let field = err.field_error().unwrap();
            assert_eq!((field.kind(), field.path()), (kind, path));
        }
        let r: StandardQrGenerateResponse = serde_json::from_str(
            r#"{"responseCode":"2004700","responseMessage":"ok","qrUrl":"u"}"#,
        )
        .unwrap();
        assert!(r.has_qr());
    }
}
