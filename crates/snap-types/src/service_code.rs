//! Service codes: the two middle digits of every SNAP response code, one per API.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::generated::{SERVICES, service_index};

/// A SNAP service code (`00`–`99`), e.g. [`ServiceCode::TRANSFER_VA_PAYMENT`] (`25`).
///
/// Every value 0–99 is representable, so codes a provider invents survive a round trip;
/// [`ServiceCode::info`] says whether the standard defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceCode(pub(crate) u8);

/// One row of the standard's service table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceInfo {
    /// The code itself.
    pub code: ServiceCode,
    /// The standard's name, verbatim (`API Virtual Account - Payment`).
    pub name: &'static str,
    /// The HTTP method (`POST`, `GET`, `PUT`, `DELETE`).
    pub method: &'static str,
    /// The path as the standard writes it (`.../{version}/transfer-va/payment`).
    pub path: &'static str,
    /// The path after the version (`/transfer-va/payment`), to be appended to a provider's prefix.
    pub path_suffix: &'static str,
}

impl ServiceCode {
    /// The service code with this number, or `None` above 99.
    pub const fn new(code: u8) -> Option<Self> {
        if code <= 99 { Some(Self(code)) } else { None }
    }

    /// The number (0–99).
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The standard's table entry, or `None` for a code the standard does not define.
    pub fn info(self) -> Option<&'static ServiceInfo> {
        service_index(self.0).and_then(|i| SERVICES.get(i))
    }

    /// Every service the standard defines, ascending by code.
    pub fn all() -> &'static [ServiceInfo] {
        &SERVICES
    }
}

/// The error for a service code that is not two ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a service code is two digits, got {0:?}")]
pub struct ParseServiceCodeError(String);

impl FromStr for ServiceCode {
    type Err = ParseServiceCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.as_bytes() {
            [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Ok(Self((a - b'0') * 10 + (b - b'0'))),
            _ => Err(ParseServiceCodeError(s.to_owned())),
        }
    }
}

impl fmt::Display for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

impl Serialize for ServiceCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ServiceCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::text::from_text(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_all_81_services_in_order() {
        let all = ServiceCode::all();
        assert_eq!(all.len(), 81);
        for (i, info) in all.iter().enumerate() {
            assert_eq!(usize::from(info.code.get()), i + 1);
            assert_eq!(info.code.info(), Some(info));
        }
    }

    #[test]
    fn seed_services() {
        let va = ServiceCode::TRANSFER_VA_PAYMENT
            .info()
            .map(|i| (i.method, i.path_suffix));
        assert_eq!(va, Some(("POST", "/transfer-va/payment")));
        assert_eq!(ServiceCode::ACCESS_TOKEN_B2B.get(), 73);
        assert_eq!(ServiceCode::QR_MPM_GENERATE.get(), 47);
        assert_eq!(ServiceCode::QR_MPM_REFUND.get(), 78);
        assert_eq!(ServiceCode::DEBIT_NOTIFY.get(), 56);
        assert_eq!(
            ServiceCode::TRANSFER_VA_DELETE_VA.info().map(|i| i.method),
            Some("DELETE")
        );
        assert_eq!(ServiceCode::new(0).and_then(ServiceCode::info), None);
        assert_eq!(ServiceCode::new(100), None);
    }

    #[test]
    fn parses_two_digits_only() {
        assert_eq!("07".parse(), Ok(ServiceCode(7)));
        assert!("7".parse::<ServiceCode>().is_err());
        assert!("007".parse::<ServiceCode>().is_err());
        assert!("a7".parse::<ServiceCode>().is_err());
        assert_eq!(ServiceCode(7).to_string(), "07");
    }
}
