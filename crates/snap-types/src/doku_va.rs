//! DOKU's dialect of the VA calls a PJP makes to a merchant: inquiry (24) and payment
//! notification (25), read as the standard's tables say except for what DOKU is documented to
//! send differently (`ASPI-SERVICES.md` §3.1, §3.2):
//!
//! - `channelCode` as a JSON string of digits (`"6011"`) where the standard has a number (DOKU's
//!   PHP SDK types it `string` in `Models/DirectInquiry/InquiryRequestBodyDto.php`; its VA
//!   notification samples send `"6011"` and `"1"`);
//! - `customerNo` equal to the whole VA number under an unpadded `partnerServiceId` (its Bank
//!   Mandiri notification sample: `"88899"`, `"8889912345678980003"`, `"8889912345678980003"`).
//!
//! Mount these types only for a partner that is DOKU: a standard partner sending a string
//! `channelCode` is answered the standard's `400xx01 Invalid Field Format channelCode`.

use serde::{Deserialize, Serialize};

use crate::request::SnapRequest;
use crate::service_code::ServiceCode;
use crate::standard_va::{
    Dialect, StandardVaInquiryRequest, StandardVaPaymentRequest, StandardVaResponse, channel_code,
};
use crate::validation::{FieldError, Validate};

/// VA inquiry (service 24, PJP → merchant) as DOKU sends it: the standard's
/// [`StandardVaInquiryRequest`] with `channelCode` as a number or a digit string and the VA
/// identity as DOKU's samples write it.
///
/// ```
/// use snap_types::{DokuVaInquiryRequest, StandardVaInquiryRequest, parse_request};
///
/// let body = br#"{"partnerServiceId":"   88899","customerNo":"12345678901","virtualAccountNo":"   8889912345678901","channelCode":"6011","inquiryRequestId":"INQ-1"}"#;
/// let inquiry: DokuVaInquiryRequest = parse_request(body)?;
/// assert_eq!(inquiry.channel_code(), Some(6011));
/// // The standard's table refuses the string.
/// let refused = parse_request::<StandardVaInquiryRequest>(body).unwrap_err();
/// assert_eq!(refused.field_error().map(|f| f.path()), Some("channelCode"));
/// # Ok::<(), snap_types::RequestError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DokuVaInquiryRequest(pub StandardVaInquiryRequest);

impl DokuVaInquiryRequest {
    /// The ISO 18245 channel, sent as a number or a digit string.
    pub fn channel_code(&self) -> Option<u16> {
        channel_code(self.0.channel_code.as_ref())
    }
}

impl Validate for DokuVaInquiryRequest {
    fn validate(&self) -> Result<(), FieldError> {
        self.0.validate_in(Dialect::Doku)
    }
}

impl SnapRequest for DokuVaInquiryRequest {
    const SERVICE: ServiceCode = ServiceCode::TRANSFER_VA_INQUIRY;
    type Response = StandardVaResponse;
}

/// VA payment notification (service 25, PJP → merchant) as DOKU sends it: the standard's
/// [`StandardVaPaymentRequest`] with `channelCode` as a number or a digit string and the VA
/// identity as DOKU's samples write it.
///
/// ```
/// use snap_types::{DokuVaPaymentRequest, parse_request};
///
/// // DOKU's Bank Mandiri sample, shortened.
/// let body = br#"{"partnerServiceId":"88899","customerNo":"8889912345678980003","virtualAccountNo":"8889912345678980003","paymentRequestId":"R_1692014768","paidAmount":{"value":"10000.00","currency":"IDR"},"channelCode":"6011"}"#;
/// let paid: DokuVaPaymentRequest = parse_request(body)?;
/// assert_eq!(paid.channel_code(), Some(6011));
/// assert_eq!(paid.0.paid_amount.value.to_string(), "10000.00");
/// # Ok::<(), snap_types::RequestError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DokuVaPaymentRequest(pub StandardVaPaymentRequest);

impl DokuVaPaymentRequest {
    /// The ISO 18245 channel, sent as a number or a digit string.
    pub fn channel_code(&self) -> Option<u16> {
        channel_code(self.0.channel_code.as_ref())
    }
}

impl Validate for DokuVaPaymentRequest {
    fn validate(&self) -> Result<(), FieldError> {
        self.0.validate_in(Dialect::Doku)
    }
}

impl SnapRequest for DokuVaPaymentRequest {
    const SERVICE: ServiceCode = ServiceCode::TRANSFER_VA_PAYMENT;
    type Response = StandardVaResponse;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{FieldErrorKind, parse_request};

    const VA: &str = r#""partnerServiceId":"   12345","customerNo":"0000012345","virtualAccountNo":"   123450000012345""#;

    fn payment(extra: &str) -> String {
        format!(
            r#"{{{VA},"paymentRequestId":"P1","paidAmount":{{"value":"1.00","currency":"IDR"}}{extra}}}"#
        )
    }

    #[test]
    fn string_channel_code_only_in_dokus_dialect() {
        let body = payment(r#","channelCode":"6011""#);
        let doku = parse_request::<DokuVaPaymentRequest>(body.as_bytes()).unwrap();
        assert_eq!(doku.channel_code(), Some(6011));
        // Kept as sent.
        let json = serde_json::to_string(&doku).unwrap();
        assert!(json.contains(r#""channelCode":"6011""#), "{json}");
        let err = parse_request::<StandardVaPaymentRequest>(body.as_bytes()).unwrap_err();
        let field = err.field_error().unwrap();
        assert_eq!(
            (field.kind(), field.path()),
            (FieldErrorKind::Format, "channelCode")
        );
        // A number is fine in both.
        let number = payment(r#","channelCode":6011"#);
        assert_eq!(
            parse_request::<DokuVaPaymentRequest>(number.as_bytes())
                .unwrap()
                .channel_code(),
            Some(6011)
        );
        parse_request::<StandardVaPaymentRequest>(number.as_bytes()).unwrap();
        // What is not a 4-digit code stays refused in DOKU's dialect too.
        for bad in [r#""60111""#, r#""60a1""#, r#""""#, "true", "10000"] {
            let body = payment(&format!(r#","channelCode":{bad}"#));
            let err = parse_request::<DokuVaPaymentRequest>(body.as_bytes()).unwrap_err();
            assert_eq!(err.field_error().unwrap().path(), "channelCode", "{bad}");
        }
        let inquiry = format!(r#"{{{VA},"inquiryRequestId":"I1","channelCode":"6011"}}"#);
        assert_eq!(
            parse_request::<DokuVaInquiryRequest>(inquiry.as_bytes())
                .unwrap()
                .channel_code(),
            Some(6011)
        );
        let err = parse_request::<StandardVaInquiryRequest>(inquiry.as_bytes()).unwrap_err();
        assert_eq!(err.field_error().unwrap().path(), "channelCode");
    }

    #[test]
    fn dokus_whole_number_customer_no_only_in_its_dialect() {
        let mandiri = r#"{"partnerServiceId":"88899","customerNo":"8889912345678980003","virtualAccountNo":"8889912345678980003","paymentRequestId":"R_1","paidAmount":{"value":"10000.00","currency":"IDR"}}"#;
        parse_request::<DokuVaPaymentRequest>(mandiri.as_bytes()).unwrap();
        let err = parse_request::<StandardVaPaymentRequest>(mandiri.as_bytes()).unwrap_err();
        assert_eq!(err.field_error().unwrap().path(), "virtualAccountNo");
        // A VA number under another prefix is still refused.
        let other = mandiri.replace(
            r#""partnerServiceId":"88899""#,
            r#""partnerServiceId":"77777""#,
        );
        let err = parse_request::<DokuVaPaymentRequest>(other.as_bytes()).unwrap_err();
        assert_eq!(err.field_error().unwrap().path(), "virtualAccountNo");
    }
}
