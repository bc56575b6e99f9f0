//! Money: `{"value": "12345678.00", "currency": "IDR"}` with the value held as integer minor units.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// Digits allowed before the decimal point: `String(16,2)` leaves 13 once `.` and two decimals are
/// counted, which also keeps every value far inside `u64`.
const MAX_INTEGER_DIGITS: usize = 13;

/// An amount of money as integer minor units (cents / sen): SNAP's `value` string.
///
/// Parsing accepts `"12345678.00"` (the standard: two decimals) and `"1000"` (no decimal point, as
/// in seed 004's item prices). It refuses one or three decimals (`"1000.5"`, `"1000.000"`: a
/// truncated or over-precise amount must not be guessed at), signs, leading zeros (`"01.00"`),
/// exponents, spaces, and more than 13 integer digits (`String(16,2)`). Printing always gives two
/// decimals, so `"1000"` prints back as `"1000.00"`. No floating point is involved anywhere.
///
/// ```
/// use snap_types::Amount;
///
/// let a: Amount = "12345678.00".parse()?;
/// assert_eq!(a.minor_units(), 1_234_567_800);
/// assert_eq!("1000".parse::<Amount>()?.to_string(), "1000.00");
/// assert!("1000.5".parse::<Amount>().is_err());
/// # Ok::<(), snap_types::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(u64);

impl Amount {
    /// Zero (`"0.00"`).
    pub const ZERO: Amount = Amount(0);
    /// The largest amount that fits `String(16,2)`: `"9999999999999.99"`.
    pub const MAX: Amount = Amount(999_999_999_999_999);

    /// An amount of `minor_units` hundredths (`Amount::new(150)` is `"1.50"`); `None` above [`Amount::MAX`].
    pub const fn new(minor_units: u64) -> Option<Self> {
        if minor_units <= Self::MAX.0 {
            Some(Self(minor_units))
        } else {
            None
        }
    }

    /// The value in minor units (hundredths).
    pub const fn minor_units(self) -> u64 {
        self.0
    }
}

fn amount_error() -> Error {
    Error::Format {
        what: "amount",
        expected: "digits with an optional '.' and exactly two decimals, at most 13 integer digits, no leading zeros",
    }
}

impl FromStr for Amount {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().is_empty() {
            return Err(Error::Empty { what: "amount" });
        }
        let (int, frac) = match s.split_once('.') {
            Some((int, frac)) => (int, Some(frac)),
            None => (s, None),
        };
        let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int)
            || int.len() > MAX_INTEGER_DIGITS
            || (int.len() > 1 && int.starts_with('0'))
        {
            return Err(amount_error());
        }
        let cents = match frac {
            None => 0,
            Some(f) if f.len() == 2 && all_digits(f) => {
                f.parse::<u64>().map_err(|_| amount_error())?
            }
            Some(_) => return Err(amount_error()),
        };
        let units = int.parse::<u64>().map_err(|_| amount_error())?;
        // 13 digits * 100 + 99 cannot overflow u64; checked anyway so no input can panic.
        units
            .checked_mul(100)
            .and_then(|u| u.checked_add(cents))
            .map(Amount)
            .ok_or_else(amount_error)
    }
}

impl TryFrom<&str> for Amount {
    type Error = Error;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::text::from_text(deserializer)
    }
}

/// An ISO 4217 currency code: exactly three upper-case ASCII letters (`IDR`).
///
/// The code list itself is not checked (new codes appear); the shape is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Indonesian rupiah, the currency of every seed example.
    pub const IDR: Currency = Currency(*b"IDR");

    /// The three letters.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl FromStr for Currency {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(Error::Empty { what: "currency" });
        }
        match s.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Currency([a, b, c])),
            _ => Err(Error::Format {
                what: "currency",
                expected: "three upper-case letters (ISO 4217)",
            }),
        }
    }
}

impl TryFrom<&str> for Currency {
    type Error = Error;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::text::from_text(deserializer)
    }
}

/// SNAP's amount object, `{"value": "12345678.00", "currency": "IDR"}`.
///
/// Serialised in that order (`value`, then `currency`); seed 000 sends `currency` first, which
/// parses the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount.
    pub value: Amount,
    /// Its currency.
    pub currency: Currency,
}

impl Money {
    /// An amount in rupiah.
    pub const fn idr(value: Amount) -> Self {
        Self {
            value,
            currency: Currency::IDR,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_and_prints() {
        for (input, minor, out) in [
            ("12345678.00", 1_234_567_800, "12345678.00"),
            ("1000", 100_000, "1000.00"),
            ("0.01", 1, "0.01"),
            ("0", 0, "0.00"),
            ("9999999999999.99", 999_999_999_999_999, "9999999999999.99"),
        ] {
            let a: Amount = input.parse().unwrap();
            assert_eq!(a.minor_units(), minor, "{input}");
            assert_eq!(a.to_string(), out, "{input}");
        }
    }

    #[test]
    fn refuses() {
        for input in [
            "1000.5",
            "1000.",
            ".50",
            "1000.000",
            "-1.00",
            "+1.00",
            "01.00",
            "1e3",
            " 1.00",
            "1,00",
            "10000000000000.00",
            "１.00",
        ] {
            assert!(input.parse::<Amount>().is_err(), "{input}");
        }
        assert!(matches!("".parse::<Amount>(), Err(Error::Empty { .. })));
    }

    #[test]
    fn currency() {
        assert_eq!("IDR".parse::<Currency>().unwrap(), Currency::IDR);
        for bad in ["idr", "ID", "IDRR", "I D", "ÍDR"] {
            assert!(bad.parse::<Currency>().is_err(), "{bad}");
        }
    }
}
