//! QRIS merchant-presented mode: generate (47), query (51), notify (52) and refund (78), in
//! QoinHub's (seed 004) and Finpay's (seed 003) shapes.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::amount::{Amount, Money};
use crate::request::SnapRequest;
use crate::response_code::ResponseCode;
use crate::service_code::ServiceCode;
use crate::status_response::{StatusResponse, impl_snap_response};
use crate::timestamp::Timestamp;
use crate::transaction_status::TransactionStatus;
use crate::validation::{FieldError, Validate, mandatory_str, optional_str, parse_raw, raw_object};

/// Request body of QR MPM generate (service 47): the union of QoinHub's fields (seed 004) and
/// Finpay's (seed 003, a subset), in QoinHub's order. Every top-level field is optional in both
/// seeds.
///
/// Validation (seed 004 table): `partnerReferenceNo` ≤ 36, `merchantId` ≤ 64, `subMerchantId` ≤ 32,
/// `storeId` ≤ 64, `terminalId` ≤ 16, `validityPeriod` ≤ 25 and RFC 3339. When `additionalInfo` is
/// present (QoinHub), it must hold `acquirer` (integer), `items` (array; the table spells it
/// `Items`, the example `items`: both accepted) whose entries have `id`, `quantity`, `name` and an
/// optional `price` amount object, and `customerDetails` with `email`, `firstName`, `lastName`,
/// `phone`. Item prices accept `"1000"` without decimals (the example does).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrMpmGenerateRequest {
    /// The merchant's reference (same as X-EXTERNAL-ID per QoinHub).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// Amount (QoinHub).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// Merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// Sub-merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// Store id (QoinHub).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// Terminal id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<String>,
    /// When the QR expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_period: Option<Timestamp>,
    /// Raw `additionalInfo` (QoinHub: acquirer, items, customer details, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QoinHubGenerateInfo {
    #[serde(rename = "acquirer")]
    _acquirer: i64,
    #[serde(alias = "Items")]
    items: Vec<QoinHubItem>,
    customer_details: QoinHubCustomer,
    #[serde(default)]
    metadata: Option<Box<RawValue>>,
    #[serde(default, rename = "countryCode")]
    _country_code: Option<String>,
    #[serde(default, rename = "locale")]
    _locale: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QoinHubItem {
    id: String,
    #[serde(default, rename = "price")]
    _price: Option<QoinHubPrice>,
    quantity: String,
    name: String,
    #[serde(default, rename = "brand")]
    _brand: Option<String>,
    #[serde(default, rename = "category")]
    _category: Option<String>,
    #[serde(default, rename = "merchantName")]
    _merchant_name: Option<String>,
}

#[derive(Deserialize)]
struct QoinHubPrice {
    #[serde(rename = "value")]
    _value: Amount,
    #[serde(rename = "currency")]
    _currency: crate::amount::Currency,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QoinHubCustomer {
    email: String,
    first_name: String,
    last_name: String,
    phone: String,
}

impl Validate for QrMpmGenerateRequest {
    fn validate(&self) -> Result<(), FieldError> {
        optional_str(
            "partnerReferenceNo",
            self.partner_reference_no.as_deref(),
            Some(36),
        )?;
        optional_str("merchantId", self.merchant_id.as_deref(), Some(64))?;
        optional_str("subMerchantId", self.sub_merchant_id.as_deref(), Some(32))?;
        optional_str("storeId", self.store_id.as_deref(), Some(64))?;
        optional_str("terminalId", self.terminal_id.as_deref(), Some(16))?;
        optional_str(
            "validityPeriod",
            self.validity_period.as_ref().map(Timestamp::as_str),
            Some(25),
        )?;
        if let Some(raw) = &self.additional_info {
            raw_object(raw, "additionalInfo")?;
            let info: QoinHubGenerateInfo = parse_raw(raw, "additionalInfo")?;
            if info.items.is_empty() {
                return Err(FieldError::mandatory("additionalInfo.items"));
            }
            for (i, item) in info.items.iter().enumerate() {
                let at = |field: &str| format!("additionalInfo.items[{i}].{field}");
                mandatory_str(&at("id"), &item.id, None)?;
                mandatory_str(&at("quantity"), &item.quantity, None)?;
                mandatory_str(&at("name"), &item.name, None)?;
            }
            let c = &info.customer_details;
            let at = |field: &str| format!("additionalInfo.customerDetails.{field}");
            mandatory_str(&at("email"), &c.email, None)?;
            mandatory_str(&at("firstName"), &c.first_name, None)?;
            mandatory_str(&at("lastName"), &c.last_name, None)?;
            mandatory_str(&at("phone"), &c.phone, None)?;
            if let Some(metadata) = &info.metadata {
                raw_object(metadata, "additionalInfo.metadata")?;
            }
        }
        Ok(())
    }
}

impl SnapRequest for QrMpmGenerateRequest {
    const SERVICE: ServiceCode = ServiceCode::QR_MPM_GENERATE;
    type Response = QrMpmGenerateResponse;
}

/// Response body of QR MPM generate: the union of QoinHub's fields (seed 004, its order) and
/// Finpay's (seed 003). Everything but `responseCode` / `responseMessage` is optional.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrMpmGenerateResponse {
    /// Raw `additionalInfo` (QoinHub: acquirer, amount, createdAt, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Box<RawValue>>,
    /// Merchant name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_name: Option<String>,
    /// The merchant's reference, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// The QRIS payload (≤ 512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_content: Option<String>,
    /// Base64 QR image (QoinHub).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_image: Option<String>,
    /// URL of the QR image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_url: Option<String>,
    /// The PJP's reference (≤ 64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_no: Option<String>,
    /// `2004700` on success.
    pub response_code: ResponseCode,
    /// Free text (≤ 150).
    pub response_message: String,
    /// Store id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// Terminal id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<String>,
}

/// Request body of the QR MPM payment notification (service 52, Finpay seed 003): every field
/// optional in the seed; `transactionDate` must be RFC 3339.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrMpmNotification {
    /// The merchant's reference of the paid QR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// The PJP's reference of the paid QR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// When it was paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_date: Option<Timestamp>,
}

impl Validate for QrMpmNotification {
    fn validate(&self) -> Result<(), FieldError> {
        Ok(())
    }
}

impl SnapRequest for QrMpmNotification {
    const SERVICE: ServiceCode = ServiceCode::QR_MPM_NOTIFY;
    type Response = StatusResponse;
}

/// Request body of QR MPM query (service 51, Finpay seed 003): every field optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrMpmQueryRequest {
    /// The merchant's reference (Finpay's name; the standard says `originalPartnerReferenceNo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// The PJP's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// Merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
}

impl Validate for QrMpmQueryRequest {
    fn validate(&self) -> Result<(), FieldError> {
        Ok(())
    }
}

impl SnapRequest for QrMpmQueryRequest {
    const SERVICE: ServiceCode = ServiceCode::QR_MPM_QUERY;
    type Response = QrMpmQueryResponse;
}

/// Response body of QR MPM query (Finpay seed 003, its order).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrMpmQueryResponse {
    /// `2005100` on success (Finpay's example prints `2004700`).
    pub response_code: ResponseCode,
    /// Free text.
    pub response_message: String,
    /// The PJP's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_no: Option<String>,
    /// The merchant's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// Status (Finpay sends words such as `PAID`, kept as [`TransactionStatus::Other`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_status: Option<TransactionStatus>,
    /// When it was paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_date: Option<Timestamp>,
}

/// Request body of QR MPM refund (service 78, Finpay seed 003): every field optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrMpmRefundRequest {
    /// The merchant's reference for this refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// The merchant's reference of the paid QR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// The PJP's reference of the paid QR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Validate for QrMpmRefundRequest {
    fn validate(&self) -> Result<(), FieldError> {
        Ok(())
    }
}

impl SnapRequest for QrMpmRefundRequest {
    const SERVICE: ServiceCode = ServiceCode::QR_MPM_REFUND;
    type Response = QrMpmRefundResponse;
}

/// Response body of QR MPM refund (Finpay seed 003, its order).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrMpmRefundResponse {
    /// `2007800` on success (Finpay's example prints `2004700`).
    pub response_code: ResponseCode,
    /// Free text.
    pub response_message: String,
    /// The PJP's refund reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_no: Option<String>,
    /// The merchant's refund reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// The merchant's reference of the paid QR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// The PJP's reference of the paid QR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// When the refund happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_date: Option<Timestamp>,
}

impl_snap_response!(
    QrMpmGenerateResponse,
    QrMpmQueryResponse,
    QrMpmRefundResponse
);
