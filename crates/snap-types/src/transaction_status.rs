//! `paymentFlagStatus` / `latestTransactionStatus` codes `00`–`09`.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A transaction status or payment flag (`paymentFlagStatus`, `latestTransactionStatus`).
///
/// `00`–`07` are the standard's; `08` Expiry and `09` Rejected are QoinHub's additions. Anything
/// else (including Finpay's `"PAID"`) is kept verbatim in [`TransactionStatus::Other`] and prints
/// back unchanged. Parse with `FromStr`/`From<&str>` rather than building `Other` by hand: `Other`
/// is only ever produced for codes not listed here.
///
/// ```
/// use snap_types::TransactionStatus;
///
/// assert_eq!(TransactionStatus::from("00"), TransactionStatus::Success);
/// assert_eq!(TransactionStatus::Success.description(), Some("Success"));
/// let other = TransactionStatus::from("PAID");
/// assert_eq!((other.code(), other.description()), ("PAID", None));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransactionStatus {
    /// `00` Success.
    Success,
    /// `01` Initiated.
    Initiated,
    /// `02` Paying.
    Paying,
    /// `03` Pending.
    Pending,
    /// `04` Refunded.
    Refunded,
    /// `05` Canceled.
    Canceled,
    /// `06` Failed.
    Failed,
    /// `07` Not found.
    NotFound,
    /// `08` Expiry (QoinHub).
    Expired,
    /// `09` Rejected (QoinHub).
    Rejected,
    /// Any other value, verbatim.
    Other(String),
}

/// The same codes under the name the VA payment notification uses.
pub type PaymentFlagStatus = TransactionStatus;

const KNOWN: [(&str, &str, TransactionStatus); 10] = [
    ("00", "Success", TransactionStatus::Success),
    ("01", "Initiated", TransactionStatus::Initiated),
    ("02", "Paying", TransactionStatus::Paying),
    ("03", "Pending", TransactionStatus::Pending),
    ("04", "Refunded", TransactionStatus::Refunded),
    ("05", "Canceled", TransactionStatus::Canceled),
    ("06", "Failed", TransactionStatus::Failed),
    ("07", "Not found", TransactionStatus::NotFound),
    ("08", "Expiry", TransactionStatus::Expired),
    ("09", "Rejected", TransactionStatus::Rejected),
];

impl TransactionStatus {
    fn known(&self) -> Option<(&'static str, &'static str)> {
        KNOWN
            .iter()
            .find(|(_, _, status)| status == self)
            .map(|(code, desc, _)| (*code, *desc))
    }

    /// The wire value (`"00"`, or the unknown text).
    pub fn code(&self) -> &str {
        match self {
            Self::Other(s) => s,
            known => known.known().map_or("", |(code, _)| code),
        }
    }

    /// The standard's description (`Success`, `Not found`, ...), `None` for unknown values.
    pub fn description(&self) -> Option<&'static str> {
        self.known().map(|(_, desc)| desc)
    }

    /// Whether the value is one of `00`–`09`.
    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Other(_))
    }
}

impl From<&str> for TransactionStatus {
    fn from(s: &str) -> Self {
        KNOWN.iter().find(|(code, _, _)| *code == s).map_or_else(
            || Self::Other(s.to_owned()),
            |(_, _, status)| status.clone(),
        )
    }
}

impl FromStr for TransactionStatus {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(s))
    }
}

impl fmt::Display for TransactionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for TransactionStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for TransactionStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::text::from_text(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_codes_round_trip() {
        for (code, desc, status) in KNOWN {
            let parsed = TransactionStatus::from(code);
            assert_eq!(parsed, status);
            assert_eq!(parsed.code(), code);
            assert_eq!(parsed.description(), Some(desc));
        }
        assert_eq!(TransactionStatus::from("10").code(), "10");
        assert!(!TransactionStatus::from("10").is_known());
    }
}
