//! Virtual account numbers: `partnerServiceId` (8, left-padded with spaces) + `customerNo` (≤ 20).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, check_len};
use crate::short_text::{ShortText, short_text};

/// Width of the partner service id inside a virtual account number.
const SERVICE_ID_WIDTH: usize = 8;

/// Leading spaces, then at least one ASCII digit, nothing else.
fn padded_digits(s: &str) -> bool {
    let digits = s.trim_start_matches(' ');
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

macro_rules! string_serde {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;

            fn try_from(s: &str) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::text::from_text(deserializer)
            }
        }
    };
}

/// `partnerServiceId`: the VA prefix (BIN / company code), up to 8 characters: optional leading
/// spaces, then digits.
///
/// The text is kept as received (seed 000 sends `" 088899"`, 7 characters, padded to neither 6
/// nor 8); [`PartnerServiceId::padded`] gives the 8-character form used inside a virtual account
/// number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartnerServiceId(ShortText<SERVICE_ID_WIDTH>);

impl PartnerServiceId {
    /// The text as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without padding (`"088899"`).
    pub fn digits(&self) -> &str {
        self.0.trim_start_matches(' ')
    }

    /// Left-padded with spaces to 8 characters (`"  088899"`).
    pub fn padded(&self) -> String {
        format!("{:>width$}", self.digits(), width = SERVICE_ID_WIDTH)
    }
}

impl FromStr for PartnerServiceId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const WHAT: &str = "partnerServiceId";
        if s.trim().is_empty() {
            return Err(Error::Empty { what: WHAT });
        }
        check_len(WHAT, s, SERVICE_ID_WIDTH)?;
        if !padded_digits(s) {
            return Err(Error::Format {
                what: WHAT,
                expected: "digits, optionally left-padded with spaces",
            });
        }
        Ok(Self(short_text(WHAT, s)?))
    }
}

string_serde!(PartnerServiceId);

/// `customerNo`: up to 20 ASCII digits.
///
/// Empty is accepted because seed 000's payment notification sends `"customerNo": ""` next to a
/// full `virtualAccountNo`; [`VirtualAccountNo::compose`] refuses an empty one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CustomerNo(ShortText<{ CustomerNo::MAX_LEN }>);

impl CustomerNo {
    /// Longest accepted value.
    pub const MAX_LEN: usize = 20;

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the number is empty (`""`).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for CustomerNo {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const WHAT: &str = "customerNo";
        check_len(WHAT, s, Self::MAX_LEN)?;
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::Format {
                what: WHAT,
                expected: "digits",
            });
        }
        Ok(Self(short_text(WHAT, s)?))
    }
}

string_serde!(CustomerNo);

/// `virtualAccountNo`: up to 28 characters, `partnerServiceId` left-padded with spaces to 8 followed
/// by `customerNo`.
///
/// Parsing checks the shape only (1–28 characters, leading spaces then digits), because providers
/// print numbers that are not visibly composed (seed 002 answers `"2035241100000664549"`).
///
/// ```
/// use snap_types::{CustomerNo, PartnerServiceId, VirtualAccountNo};
///
/// let psid: PartnerServiceId = "088899".parse()?;
/// let customer: CustomerNo = "12345678901".parse()?;
/// let va = VirtualAccountNo::compose(&psid, &customer)?;
/// assert_eq!(va.as_str(), "  08889912345678901");
/// let (p, c) = va.split().expect("longer than 8");
/// assert_eq!((p.digits(), c.as_str()), ("088899", "12345678901"));
/// # Ok::<(), snap_types::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VirtualAccountNo(ShortText<{ VirtualAccountNo::MAX_LEN }>);

impl VirtualAccountNo {
    /// Longest accepted value.
    pub const MAX_LEN: usize = 28;

    /// `partner_service_id` padded to 8 + `customer_no`. Fails when `customer_no` is empty.
    pub fn compose(
        partner_service_id: &PartnerServiceId,
        customer_no: &CustomerNo,
    ) -> Result<Self, Error> {
        if customer_no.is_empty() {
            return Err(Error::Empty { what: "customerNo" });
        }
        // 8 + at most 20 characters: always fits.
        let digits = partner_service_id.digits();
        let mut text = ShortText::new();
        let fits = (digits.len()..SERVICE_ID_WIDTH).all(|_| text.try_push(' ').is_ok())
            && text.try_push_str(digits).is_ok()
            && text.try_push_str(customer_no.as_str()).is_ok();
        if !fits {
            return Err(Error::TooLong {
                what: "virtualAccountNo",
                len: SERVICE_ID_WIDTH + customer_no.as_str().len(),
                max: Self::MAX_LEN,
            });
        }
        Ok(Self(text))
    }

    /// Splits at character 8 into the padded partner service id and the customer number; `None`
    /// when the number is 8 characters or shorter, or its first 8 are all spaces.
    pub fn split(&self) -> Option<(PartnerServiceId, CustomerNo)> {
        // Only ASCII is ever stored, so byte and character offsets agree.
        let (head, tail) = self.0.split_at_checked(SERVICE_ID_WIDTH)?;
        if tail.is_empty() {
            return None;
        }
        Some((head.parse().ok()?, tail.parse().ok()?))
    }

    /// The number as text, including its padding spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for VirtualAccountNo {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const WHAT: &str = "virtualAccountNo";
        if s.trim().is_empty() {
            return Err(Error::Empty { what: WHAT });
        }
        check_len(WHAT, s, Self::MAX_LEN)?;
        if !padded_digits(s) {
            return Err(Error::Format {
                what: WHAT,
                expected: "digits, optionally preceded by padding spaces",
            });
        }
        Ok(Self(short_text(WHAT, s)?))
    }
}

string_serde!(VirtualAccountNo);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn seed_values() {
        let p: PartnerServiceId = " 088899".parse().unwrap();
        assert_eq!(p.padded(), "  088899");
        let va: VirtualAccountNo = "2035241100000664549".parse().unwrap();
        let (p, c) = va.split().unwrap();
        assert_eq!((p.as_str(), c.as_str()), ("20352411", "00000664549"));
        assert!("".parse::<CustomerNo>().unwrap().is_empty());
    }

    #[test]
    fn refuses() {
        assert!("123456789".parse::<PartnerServiceId>().is_err());
        assert!("12 34".parse::<PartnerServiceId>().is_err());
        assert!("1".repeat(29).parse::<VirtualAccountNo>().is_err());
        assert!("12a".parse::<VirtualAccountNo>().is_err());
        assert!("1".repeat(21).parse::<CustomerNo>().is_err());
        let p: PartnerServiceId = "1".parse().unwrap();
        assert!(VirtualAccountNo::compose(&p, &CustomerNo::default()).is_err());
        assert_eq!(
            "12345678".parse::<VirtualAccountNo>().unwrap().split(),
            None
        );
    }
}
