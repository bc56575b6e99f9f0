//! SNAP response codes: `responseCode` = HTTP status (3 digits) + service code (2) + case code (2).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::generated::{Case, KNOWN_RESPONSES, lookup_case};
use crate::service_code::ServiceCode;

/// A 7-digit SNAP response code such as `4012501` (HTTP 401, service 25, case 01).
///
/// Any seven digits parse and print back unchanged, so codes that providers invent (`4002503`) or
/// print for the wrong service survive a round trip; [`ResponseCode::known`] says whether the
/// standard defines the combination.
///
/// ```
/// use snap_types::{Case, ResponseCode, ServiceCode};
///
/// let code: ResponseCode = "4002501".parse()?;
/// assert_eq!(code.http_status(), 400);
/// assert_eq!(code.service(), ServiceCode::TRANSFER_VA_PAYMENT);
/// assert_eq!(code.case(), Some(Case::InvalidFieldFormat));
/// assert_eq!(code.message_with("virtualAccountNo").as_deref(), Some("Invalid Field Format virtualAccountNo"));
/// assert_eq!(ResponseCode::of(Case::Unauthorized, ServiceCode::TRANSFER_VA_PAYMENT).to_string(), "4012500");
/// # Ok::<(), snap_types::ParseResponseCodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResponseCode {
    http_status: u16,
    service: ServiceCode,
    case_code: u8,
}

/// The standard's category of a response case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// 2xx outcomes.
    Success,
    /// Protocol, security and infrastructure failures.
    System,
    /// Malformed or incomplete messages.
    Message,
    /// Business rule outcomes (amounts, bills, limits).
    Business,
}

impl Category {
    /// The standard's spelling (`Success`, `System`, `Message`, `Business`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "Success",
            Self::System => "System",
            Self::Message => "Message",
            Self::Business => "Business",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the standard's general response table (valid with any service code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KnownResponse {
    /// The case this row describes.
    pub case: Case,
    /// The HTTP status (first three digits).
    pub http_status: u16,
    /// The case code (last two digits).
    pub case_code: u8,
    /// The category.
    pub category: Category,
    /// The standard message, verbatim, with its placeholder (`Invalid Field Format {field name}`).
    pub message: &'static str,
    /// The standard's description of when the case applies.
    pub description: &'static str,
}

impl KnownResponse {
    /// The message with its placeholder filled in: `{field name}` is replaced by `detail`
    /// (`Invalid Field Format virtualAccountNo`), `[reason]` by `[detail]` (`Unauthorized. [Signature]`).
    /// Messages without a placeholder are returned unchanged; an empty `detail` removes the placeholder.
    pub fn fill(&self, detail: &str) -> String {
        let message = self.message;
        let placeholder = ['{', '['].iter().find_map(|&open| {
            let close = if open == '{' { '}' } else { ']' };
            let start = message.find(open)?;
            let end = start + message[start..].find(close)?;
            Some((start, end + 1, open == '['))
        });
        let Some((start, end, bracketed)) = placeholder else {
            return message.to_owned();
        };
        let mut out = String::with_capacity(message.len() + detail.len());
        out.push_str(&message[..start]);
        if !detail.is_empty() {
            if bracketed {
                out.push('[');
                out.push_str(detail);
                out.push(']');
            } else {
                out.push_str(detail);
            }
        }
        out.push_str(&message[end..]);
        if detail.is_empty() {
            let trimmed = out.trim_end().len();
            out.truncate(trimmed);
        }
        out
    }
}

impl Case {
    /// The standard's row for this case.
    pub fn known(self) -> &'static KnownResponse {
        &KNOWN_RESPONSES[self as usize]
    }

    /// Every case of the standard's general table, in its order.
    pub fn all() -> impl ExactSizeIterator<Item = &'static KnownResponse> {
        KNOWN_RESPONSES.iter()
    }
}

impl ResponseCode {
    /// A code from its parts, or `None` when the HTTP status has more than three digits or the
    /// case code more than two.
    pub const fn new(http_status: u16, service: ServiceCode, case_code: u8) -> Option<Self> {
        if http_status <= 999 && case_code <= 99 {
            Some(Self {
                http_status,
                service,
                case_code,
            })
        } else {
            None
        }
    }

    /// The code of a standard case for a service: `ResponseCode::of(Case::InvalidAmount, ServiceCode::TRANSFER_VA_PAYMENT)` is `4042513`.
    pub fn of(case: Case, service: ServiceCode) -> Self {
        let known = case.known();
        Self {
            http_status: known.http_status,
            service,
            case_code: known.case_code,
        }
    }

    /// The seven ASCII digits of the code (`*b"2002500"`), without formatting machinery: what
    /// `Display` prints and what response bodies carry.
    ///
    /// ```
    /// use snap_types::{Case, ResponseCode, ServiceCode};
    /// let code = ResponseCode::of(Case::Successful, ServiceCode::TRANSFER_VA_PAYMENT);
    /// assert_eq!(&code.digits(), b"2002500");
    /// ```
    pub const fn digits(self) -> [u8; 7] {
        const fn digit(n: u16) -> u8 {
            b'0' + (n % 10) as u8
        }
        let (status, service, case) = (
            self.http_status,
            self.service.0 as u16,
            self.case_code as u16,
        );
        [
            digit(status / 100),
            digit(status / 10),
            digit(status),
            digit(service / 10),
            digit(service),
            digit(case / 10),
            digit(case),
        ]
    }

    /// The HTTP status the code implies (its first three digits).
    pub const fn http_status(self) -> u16 {
        self.http_status
    }

    /// The service code (digits four and five).
    pub const fn service(self) -> ServiceCode {
        self.service
    }

    /// The case code (the last two digits).
    pub const fn case_code(self) -> u8 {
        self.case_code
    }

    /// The standard case with this HTTP status and case code, whatever the service code.
    pub const fn case(self) -> Option<Case> {
        lookup_case(self.http_status, self.case_code)
    }

    /// The standard's row, when both the case and the service code are standard.
    pub fn known(self) -> Option<&'static KnownResponse> {
        self.service.info()?;
        self.case().map(Case::known)
    }

    /// Whether the standard defines this combination of case and service.
    pub fn is_standard(self) -> bool {
        self.known().is_some()
    }

    /// Whether the code reports success (HTTP 2xx).
    pub const fn is_success(self) -> bool {
        self.http_status >= 200 && self.http_status < 300
    }

    /// The standard message with its placeholder, or `None` for a non-standard code.
    pub fn message(self) -> Option<&'static str> {
        self.known().map(|k| k.message)
    }

    /// The standard message with the placeholder filled (see [`KnownResponse::fill`]).
    pub fn message_with(self, detail: &str) -> Option<String> {
        self.known().map(|k| k.fill(detail))
    }

    /// The standard category, or `None` for a non-standard code.
    pub fn category(self) -> Option<Category> {
        self.known().map(|k| k.category)
    }
}

/// The error for a response code that is not exactly seven ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a SNAP response code is exactly 7 digits (HTTP status + service code + case code), got {0:?}"
)]
pub struct ParseResponseCodeError(String);

impl FromStr for ResponseCode {
    type Err = ParseResponseCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        if bytes.len() != 7 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(ParseResponseCodeError(s.to_owned()));
        }
        let digit = |i: usize| bytes[i] - b'0';
        Ok(Self {
            http_status: u16::from(digit(0)) * 100 + u16::from(digit(1)) * 10 + u16::from(digit(2)),
            service: ServiceCode(digit(3) * 10 + digit(4)),
            case_code: digit(5) * 10 + digit(6),
        })
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.digits();
        // Seven ASCII digits are always UTF-8.
        f.pad(std::str::from_utf8(&digits).unwrap_or_default())
    }
}

impl Serialize for ResponseCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ResponseCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::text::from_text(deserializer)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fills_placeholders() {
        let code = |s: &str| s.parse::<ResponseCode>().unwrap();
        assert_eq!(
            code("4002501").message_with("virtualAccountNo").unwrap(),
            "Invalid Field Format virtualAccountNo"
        );
        assert_eq!(
            code("4002502").message_with("partnerServiceId").unwrap(),
            "Invalid Mandatory Field partnerServiceId"
        );
        assert_eq!(
            code("4012500").message_with("Signature").unwrap(),
            "Unauthorized. [Signature]"
        );
        assert_eq!(code("4012500").message_with("").unwrap(), "Unauthorized.");
        assert_eq!(
            code("4012501").message_with("ignored").unwrap(),
            "Invalid Token (B2B)"
        );
        assert_eq!(
            code("4032715").message_with("limit").unwrap(),
            "Transaction Not Permitted.[limit]"
        );
        assert_eq!(code("4012501").message(), Some("Invalid Token (B2B)"));
    }

    #[test]
    fn every_case_with_every_service() {
        assert_eq!(Case::all().len(), 63);
        for known in Case::all() {
            for service in ServiceCode::all() {
                let code = ResponseCode::of(known.case, service.code);
                let text = format!(
                    "{:03}{}{:02}",
                    known.http_status, service.code, known.case_code
                );
                assert_eq!(code.to_string(), text);
                let parsed: ResponseCode = text.parse().unwrap();
                assert_eq!(parsed, code);
                assert_eq!(parsed.known(), Some(known));
                assert_eq!(parsed.category(), Some(known.category));
            }
        }
    }

    #[test]
    fn non_standard_codes_round_trip() {
        for text in ["4002503", "5005100", "0000000", "9999999", "2009900"] {
            let code: ResponseCode = text.parse().unwrap();
            assert_eq!(code.to_string(), text);
        }
        let invented: ResponseCode = "4002503".parse().unwrap();
        assert!(!invented.is_standard());
        assert_eq!(invented.message(), None);
        // seed 002 prints 5005100 for a service-27 API: standard as code, but for service 51
        let seed: ResponseCode = "5005100".parse().unwrap();
        assert_eq!(seed.service().get(), 51);
        assert_eq!(seed.case(), Some(Case::GeneralError));
        assert!(!"2009900".parse::<ResponseCode>().unwrap().is_standard());
    }

    #[test]
    fn rejects_anything_but_seven_digits() {
        for text in [
            "12345",
            "abcdefg",
            "40125011",
            "",
            "401250a",
            "+401250",
            " 401250",
            "٤٠١٢٥٠١",
        ] {
            assert!(text.parse::<ResponseCode>().is_err(), "{text}");
        }
    }

    #[test]
    fn serde_as_string() {
        let code: ResponseCode = serde_json::from_str("\"2002500\"").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"2002500\"");
        assert!(serde_json::from_str::<ResponseCode>("2002500").is_err());
    }

    proptest! {
        #[test]
        fn any_seven_digits_round_trip(text in "[0-9]{7}") {
            let code: ResponseCode = text.parse().unwrap();
            prop_assert_eq!(code.to_string(), text.clone());
            let json = serde_json::to_string(&code).unwrap();
            prop_assert_eq!(serde_json::from_str::<ResponseCode>(&json).unwrap(), code);
        }

        #[test]
        fn parts_round_trip(status in 0u16..=999, service in 0u8..=99, case in 0u8..=99) {
            let code = ResponseCode::new(status, ServiceCode::new(service).unwrap(), case).unwrap();
            let parsed: ResponseCode = code.to_string().parse().unwrap();
            prop_assert_eq!(parsed, code);
            prop_assert_eq!(parsed.http_status(), status);
        }
    }
}
