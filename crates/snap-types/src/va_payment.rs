//! VA payment notification (service 25): the PJP tells the merchant a virtual account was paid,
//! `POST [merchant]/v1.0/transfer-va/payment` (seed 000).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::amount::Money;
use crate::request::SnapRequest;
use crate::response_code::ResponseCode;
use crate::service_code::ServiceCode;
use crate::status_response::impl_snap_response;
use crate::timestamp::Timestamp;
use crate::transaction_status::PaymentFlagStatus;
use crate::validation::{FieldError, Validate, mandatory_str, parse_raw, raw_object};
use crate::virtual_account::{CustomerNo, PartnerServiceId, VirtualAccountNo};

/// Request body of the VA payment notification (seed 000), fields in the example's order.
///
/// Validation (seed 000 table): mandatory `paidAmount`, `partnerServiceId` (≤ 8),
/// `referenceNo`, `trxDateTime` (RFC 3339), `trxId`, `virtualAccountEmail` (≤ 255),
/// `virtualAccountName` (≤ 255), `virtualAccountNo` (≤ 28), `virtualAccountPhone` (≤ 30);
/// optional `customerNo` (≤ 20 digits, may be empty). When `additionalInfo` is present it must be an
/// object with `paymentFlagStatus` (mandatory, 2 characters). When `customerNo` is not empty,
/// `virtualAccountNo` must equal `partnerServiceId` padded to 8 + `customerNo`. (Seed 000's own
/// example sends an empty `customerNo` and a `virtualAccountNo` that does not start with its
/// `partnerServiceId`, so no rule is applied in that case.)
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaPaymentNotification {
    /// Raw `additionalInfo` (carries `paymentFlagStatus`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Box<RawValue>>,
    /// Customer number (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_no: Option<CustomerNo>,
    /// Amount paid.
    pub paid_amount: Money,
    /// VA prefix, as sent.
    pub partner_service_id: PartnerServiceId,
    /// Conditional payment request id (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_request_id: Option<String>,
    /// The PJP's payment reference.
    pub reference_no: String,
    /// When the payment happened.
    pub trx_date_time: Timestamp,
    /// Transaction id (the merchant's `trxId` from create VA).
    pub trx_id: String,
    /// Customer e-mail.
    pub virtual_account_email: String,
    /// Customer name.
    pub virtual_account_name: String,
    /// The paid virtual account number.
    pub virtual_account_no: VirtualAccountNo,
    /// Customer phone number.
    pub virtual_account_phone: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VaPaymentAdditionalInfo<'a> {
    /// Borrowed from the raw JSON unless it has escapes.
    #[serde(borrow)]
    payment_flag_status: Cow<'a, str>,
}

impl VaPaymentNotification {
    /// `additionalInfo.paymentFlagStatus`, when present and a string.
    pub fn payment_flag_status(&self) -> Option<PaymentFlagStatus> {
        let info = self.additional_info.as_deref()?;
        let parsed: VaPaymentAdditionalInfo<'_> = parse_raw(info, "additionalInfo").ok()?;
        Some(PaymentFlagStatus::from(&*parsed.payment_flag_status))
    }
}

impl Validate for VaPaymentNotification {
    fn validate(&self) -> Result<(), FieldError> {
        if let Some(info) = &self.additional_info {
            raw_object(info, "additionalInfo")?;
            let parsed: VaPaymentAdditionalInfo<'_> = parse_raw(info, "additionalInfo")?;
            let path = "additionalInfo.paymentFlagStatus";
            mandatory_str(path, &parsed.payment_flag_status, Some(2))?;
            if parsed.payment_flag_status.chars().count() != 2 {
                return Err(FieldError::format(path, "must be 2 characters"));
            }
        }
        mandatory_str("referenceNo", &self.reference_no, None)?;
        mandatory_str("trxId", &self.trx_id, None)?;
        mandatory_str(
            "virtualAccountEmail",
            &self.virtual_account_email,
            Some(255),
        )?;
        mandatory_str("virtualAccountName", &self.virtual_account_name, Some(255))?;
        mandatory_str("virtualAccountPhone", &self.virtual_account_phone, Some(30))?;
        if let Some(customer_no) = self.customer_no.as_ref().filter(|c| !c.is_empty()) {
            let expected = VirtualAccountNo::compose(&self.partner_service_id, customer_no)
                .map_err(|e| FieldError::from_value_error("customerNo", &e))?;
            if expected != self.virtual_account_no {
                return Err(FieldError::format(
                    "virtualAccountNo",
                    "is not partnerServiceId padded to 8 followed by customerNo",
                ));
            }
        }
        Ok(())
    }
}

impl SnapRequest for VaPaymentNotification {
    const SERVICE: ServiceCode = ServiceCode::TRANSFER_VA_PAYMENT;
    type Response = VaPaymentResponse;
}

/// `virtualAccountData` of the VA payment response (seed 000 table) and of the create-VA response
/// (seed 002, which sends only `virtualAccountNo`). Every field is optional so both shapes round
/// trip; absent fields stay absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualAccountData {
    /// VA prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_service_id: Option<PartnerServiceId>,
    /// Customer number (seed 000's table says String(29); the VA rule says ≤ 20, which is enforced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_no: Option<CustomerNo>,
    /// The virtual account number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_account_no: Option<VirtualAccountNo>,
    /// Transaction date-time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trx_date_time: Option<Timestamp>,
    /// Transaction id (≤ 64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trx_id: Option<String>,
}

/// Response body of the VA payment notification.
///
/// Seed 000's table marks `virtualAccountData` mandatory, but its example omits it: optional here.
/// Serialised `responseCode` first (the table's order; the example puts `responseMessage` first).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaPaymentResponse {
    /// `2002500` on success.
    pub response_code: ResponseCode,
    /// Free text (≤ 150).
    pub response_message: String,
    /// Echo of the paid VA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_account_data: Option<VirtualAccountData>,
}

impl_snap_response!(VaPaymentResponse);
