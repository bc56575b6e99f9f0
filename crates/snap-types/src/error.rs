//! Why a spec string was refused by one of the value newtypes.

/// A value that does not satisfy the invariant of its newtype ([`Amount`](crate::Amount),
/// [`Timestamp`](crate::Timestamp), [`PartnerId`](crate::PartnerId), ...).
///
/// `FromStr`, `TryFrom` and `Deserialize` of every newtype return (or wrap) this error, so a value
/// is checked the same way whichever door it comes in by.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The value is empty (or only spaces) where the spec needs a value.
    #[error("{what} is empty")]
    Empty {
        /// The kind of value (`ExternalId`, `Currency`, ...).
        what: &'static str,
    },
    /// The value is longer than its `String(n)` limit (counted in characters).
    #[error("{what} is {len} characters long, at most {max} allowed")]
    TooLong {
        /// The kind of value.
        what: &'static str,
        /// Length of the refused value, in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The value contains a character its format does not allow.
    #[error("{what} must be {expected}")]
    Format {
        /// The kind of value.
        what: &'static str,
        /// What the format requires, in words.
        expected: &'static str,
    },
    /// An RFC 3339 timestamp that does not parse.
    #[error("not an RFC 3339 timestamp: {0}")]
    Timestamp(#[source] time::error::Parse),
    /// A date-time that cannot be written as `YYYY-MM-DDThh:mm:ss±hh:mm` (a year outside
    /// 0000–9999, or an offset with seconds).
    #[error("date-time cannot be written as a SNAP timestamp (YYYY-MM-DDThh:mm:ss+hh:mm)")]
    TimestampRange,
}

/// serde's `missing field` wording, and [`Error::Empty`]'s suffix: [`crate::parse_body`] reads these
/// two shapes back to tell a missing value from a malformed one.
pub(crate) const EMPTY_SUFFIX: &str = " is empty";

impl Error {
    /// Whether the problem is a missing value (SNAP's "Invalid Mandatory Field") rather than a
    /// malformed one ("Invalid Field Format").
    pub fn is_missing(&self) -> bool {
        matches!(self, Self::Empty { .. })
    }
}

/// `len` in characters, and the error when it exceeds `max`.
pub(crate) fn check_len(what: &'static str, value: &str, max: usize) -> Result<(), Error> {
    // A string is never longer in characters than in bytes: most values need no count.
    if value.len() <= max {
        return Ok(());
    }
    let len = value.chars().count();
    if len > max {
        Err(Error::TooLong { what, len, max })
    } else {
        Ok(())
    }
}
