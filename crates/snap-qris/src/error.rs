//! The crate's error type.

use std::fmt;

use crate::issue::{Issue, Path};
use crate::parse::ParseError;

/// Everything that can go wrong outside validation (which returns [`Issue`]s instead).
///
/// Written by hand rather than with `thiserror`: the crate is std only.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The input is not a TLV payload.
    Parse(ParseError),
    /// The payload does not end with a CRC object (63).
    CrcMissing,
    /// The CRC found does not match the one computed.
    CrcMismatch {
        /// CRC text in the payload.
        found: String,
        /// CRC computed over the payload (upper-case hex).
        computed: String,
    },
    /// An ID above 99.
    InvalidId {
        /// The offending ID.
        id: u8,
    },
    /// A value (or an encoded template) longer than 99 characters.
    ValueTooLong {
        /// Where.
        path: Path,
        /// Its length in characters.
        length: usize,
    },
    /// A value that breaks the format of its ID.
    InvalidValue {
        /// Where.
        path: Path,
        /// Why.
        reason: String,
    },
    /// The built payload does not pass validation; every error-severity issue is listed.
    Invalid(Vec<Issue>),
    /// The QR symbol could not be drawn (payload too long for a QR code, image encoding failed).
    Render(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Parse(e) => write!(f, "not an EMV MPM payload: {e}"),
            Error::CrcMissing => f.write_str("the payload does not end with a CRC object (63)"),
            Error::CrcMismatch { found, computed } => {
                write!(f, "CRC mismatch: found {found}, computed {computed}")
            }
            Error::InvalidId { id } => write!(f, "object ID {id} is not in 00-99"),
            Error::ValueTooLong { path, length } => {
                write!(
                    f,
                    "value of {path} is {length} characters, at most 99 fit a data object"
                )
            }
            Error::InvalidValue { path, reason } => write!(f, "invalid value for {path}: {reason}"),
            Error::Invalid(issues) => {
                f.write_str("payload fails validation:")?;
                for i in issues {
                    write!(f, " [{i}]")?;
                }
                Ok(())
            }
            Error::Render(why) => write!(f, "cannot render the QR code: {why}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Parse(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Self {
        Error::Parse(e)
    }
}
