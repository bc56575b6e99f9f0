//! The text of short spec values (ids, VA numbers, timestamps) kept inline: these values are
//! bounded by the standard, so they need no heap allocation, and cloning one (into a replay key, a
//! request context) is a copy of a few dozen bytes.

use arrayvec::ArrayString;

use crate::error::Error;

/// Up to `N` bytes of text, inline.
pub(crate) type ShortText<const N: usize> = ArrayString<N>;

/// `s` inline, for text already checked against the value's limit (counted in characters, and
/// ASCII-only values have as many bytes): longer text is refused as [`Error::TooLong`].
pub(crate) fn short_text<const N: usize>(
    what: &'static str,
    s: &str,
) -> Result<ShortText<N>, Error> {
    ArrayString::from(s).map_err(|_| Error::TooLong {
        what,
        len: s.chars().count(),
        max: N,
    })
}
