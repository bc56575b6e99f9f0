//! Direct-debit payment notification (service 56): `POST [merchant]/v1.0/debit/notify` (seed 001).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::request::SnapRequest;
use crate::service_code::ServiceCode;
use crate::status_response::StatusResponse;
use crate::timestamp::Timestamp;
use crate::transaction_status::TransactionStatus;
use crate::validation::{FieldError, Validate, mandatory_str, raw_object};

/// Request body of the debit notification (seed 001), fields in the example's order.
///
/// All fields but `additionalInfo` are mandatory. `createdTime` is kept as a plain string: seed
/// 001's example sends `"2024-08-15 05:53:11"` (no `T`, no offset), which is not RFC 3339;
/// [`DebitNotification::created_time_rfc3339`] parses it when it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DebitNotification {
    /// Raw `additionalInfo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Box<RawValue>>,
    /// When the transaction was created, as sent.
    pub created_time: String,
    /// `00` Success ... (unknown values kept).
    pub latest_transaction_status: TransactionStatus,
    /// The merchant's reference of the original transaction.
    pub original_partner_reference_no: String,
    /// The PJP's reference of the original transaction.
    pub original_reference_no: String,
    /// Description of the status.
    pub transaction_status_desc: String,
}

impl DebitNotification {
    /// `createdTime` as a [`Timestamp`] when it is RFC 3339 (`None` for seed 001's
    /// `"2024-08-15 05:53:11"`).
    pub fn created_time_rfc3339(&self) -> Option<Timestamp> {
        self.created_time.parse().ok()
    }
}

impl Validate for DebitNotification {
    fn validate(&self) -> Result<(), FieldError> {
        if let Some(info) = &self.additional_info {
            raw_object(info, "additionalInfo")?;
        }
        mandatory_str("createdTime", &self.created_time, None)?;
        mandatory_str(
            "latestTransactionStatus",
            self.latest_transaction_status.code(),
            None,
        )?;
        mandatory_str(
            "originalPartnerReferenceNo",
            &self.original_partner_reference_no,
            None,
        )?;
        mandatory_str("originalReferenceNo", &self.original_reference_no, None)?;
        mandatory_str("transactionStatusDesc", &self.transaction_status_desc, None)?;
        Ok(())
    }
}

impl SnapRequest for DebitNotification {
    const SERVICE: ServiceCode = ServiceCode::DEBIT_NOTIFY;
    type Response = StatusResponse;
}
