//! RFC 3339 timestamps that keep the text they arrived as.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::error::Error;
use crate::short_text::{ShortText, short_text};

/// Asia/Jakarta (WIB): UTC+7 all year, no daylight saving. SNAP timestamps are written in it
/// and an X-EXTERNAL-ID is unique within one of its calendar days.
pub const JAKARTA: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    // Evaluated at compile time: an out-of-range offset would fail the build, never run.
    Err(_) => panic!("+07:00 is a valid UTC offset"),
};

/// The Asia/Jakarta calendar date of an instant: the day an X-EXTERNAL-ID is unique within.
///
/// ```
/// use time::macros::{date, datetime};
/// // 00:00 WIB is 17:00 UTC the day before.
/// assert_eq!(snap_types::jakarta_date(datetime!(2024-08-22 16:59:59 UTC)), date!(2024-08-22));
/// assert_eq!(snap_types::jakarta_date(datetime!(2024-08-22 17:00:00 UTC)), date!(2024-08-23));
/// ```
pub fn jakarta_date(instant: OffsetDateTime) -> Date {
    instant.to_offset(JAKARTA).date()
}

/// A SNAP date-time (`X-TIMESTAMP`, `trxDateTime`, `expiredDate`, `validityPeriod`, ...).
///
/// Any RFC 3339 text parses (`2020-12-17T10:55:00+07:00`, `...Z`, fractional seconds, other
/// offsets); the original text is kept and is what `Display` and `Serialize` print, because
/// signatures cover the exact bytes. [`Timestamp::from_datetime`] writes the standard form,
/// `2020-12-17T10:55:00+07:00` (seconds precision, numeric offset).
///
/// The text is at most [`Timestamp::MAX_LEN`] characters (nanosecond precision with a numeric
/// offset is 35).
///
/// Equality compares the text too: the same instant written two ways gives two unequal values;
/// compare [`Timestamp::datetime`] for the instant.
///
/// ```
/// use snap_types::Timestamp;
///
/// let t: Timestamp = "2024-03-01T08:27:49.024Z".parse()?;
/// assert_eq!(t.as_str(), "2024-03-01T08:27:49.024Z");
/// let wib = t.datetime().to_offset(time::macros::offset!(+7));
/// assert_eq!(Timestamp::from_datetime(wib)?.as_str(), "2024-03-01T15:27:49+07:00");
/// # Ok::<(), snap_types::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    text: ShortText<{ Timestamp::MAX_LEN }>,
    datetime: OffsetDateTime,
}

impl Timestamp {
    /// Longest accepted text, in characters.
    pub const MAX_LEN: usize = 40;

    /// Writes `datetime` in the standard form `YYYY-MM-DDThh:mm:ss±hh:mm` in its own offset,
    /// dropping sub-second digits (the value keeps the truncated instant, so text and
    /// [`Timestamp::datetime`] agree).
    pub fn from_datetime(datetime: OffsetDateTime) -> Result<Self, Error> {
        let format = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
        );
        let datetime = datetime
            .replace_nanosecond(0)
            .map_err(|_| Error::TimestampRange)?;
        if !(0..=9999).contains(&datetime.year()) || datetime.offset().seconds_past_minute() != 0 {
            return Err(Error::TimestampRange);
        }
        let text = datetime
            .format(&format)
            .map_err(|_| Error::TimestampRange)?;
        Ok(Self {
            text: short_text(WHAT, &text)?,
            datetime,
        })
    }

    /// The text exactly as received (or as written by [`Timestamp::from_datetime`]).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The instant with the offset it was written in.
    pub fn datetime(&self) -> OffsetDateTime {
        self.datetime
    }
}

impl FromStr for Timestamp {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Length first: the parser is not run on text that could never be kept.
        let text = short_text(WHAT, s)?;
        Ok(Self {
            datetime: parse(s)?,
            text,
        })
    }
}

const WHAT: &str = "timestamp";

fn parse(s: &str) -> Result<OffsetDateTime, Error> {
    if s.trim().is_empty() {
        return Err(Error::Empty { what: WHAT });
    }
    OffsetDateTime::parse(s, &Rfc3339).map_err(Error::Timestamp)
}

impl TryFrom<&str> for Timestamp {
    type Error = Error;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl TryFrom<String> for Timestamp {
    type Error = Error;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Timestamp> for OffsetDateTime {
    fn from(t: Timestamp) -> Self {
        t.datetime
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::text::from_text(deserializer)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn accepts_rfc3339_variants_and_keeps_text() {
        for s in [
            "2020-12-17T10:55:00+07:00",
            "2024-03-01T08:27:49.024Z",
            "2021-11-02T13:14:15.678+07:00",
            "2025-07-03T12:08:56-07:00",
        ] {
            assert_eq!(s.parse::<Timestamp>().unwrap().to_string(), s);
        }
    }

    #[test]
    fn refuses_non_rfc3339() {
        for s in [
            "2024-08-15 05:53:11",
            "2024-08-15T05:53:11",
            "17/12/2020",
            "x",
        ] {
            assert!(
                matches!(s.parse::<Timestamp>(), Err(Error::Timestamp(_))),
                "{s}"
            );
        }
    }

    #[test]
    fn length_limit() {
        let nanos = "2024-08-23T07:45:00.123456789+07:00";
        assert_eq!(nanos.parse::<Timestamp>().unwrap().as_str(), nanos);
        let longest = "2024-08-23T07:45:00.12345678901234+07:00";
        assert_eq!(longest.len(), Timestamp::MAX_LEN);
        assert!(longest.parse::<Timestamp>().is_ok());
        assert!(matches!(
            "2024-08-23T07:45:00.123456789012345+07:00".parse::<Timestamp>(),
            Err(Error::TooLong { max: 40, .. })
        ));
    }

    #[test]
    fn formats_standard_form() {
        let t: Timestamp = "2020-12-17T10:55:00.999+07:00".parse().unwrap();
        let f = Timestamp::from_datetime(t.datetime()).unwrap();
        assert_eq!(f.as_str(), "2020-12-17T10:55:00+07:00");
        assert_eq!(f.as_str().parse::<Timestamp>().unwrap(), f);
    }
}
