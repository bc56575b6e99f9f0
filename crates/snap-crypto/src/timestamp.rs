use std::sync::Mutex;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};

/// Where library code gets "now" from; inject [`FixedClock`] in tests.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(
        clippy::disallowed_methods,
        reason = "the system clock is the one place that reads the wall clock"
    )]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that says what it is told (for tests and signed test requests).
///
/// ```
/// use snap_crypto::{Clock, FixedClock};
/// use time::macros::datetime;
/// let clock = FixedClock::new(datetime!(2020-12-17 10:55:00 +07:00));
/// clock.advance(time::Duration::seconds(5));
/// assert_eq!(clock.now(), datetime!(2020-12-17 10:55:05 +07:00));
/// ```
#[derive(Debug)]
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    /// A clock stopped at `now`.
    pub fn new(now: OffsetDateTime) -> Self {
        Self(Mutex::new(now))
    }

    /// Moves the clock to `now`.
    pub fn set(&self, now: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = now;
    }

    /// Moves the clock forward (or back, for a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t = t.saturating_add(by);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> OffsetDateTime {
        (**self).now()
    }
}

/// How X-TIMESTAMP values are generated. Parsing accepts any RFC 3339 form regardless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TimestampStyle {
    /// `2020-12-17T10:55:00+07:00` (WIB, seconds): the standard.
    #[default]
    Wib,
    /// `2020-12-17T10:55:00.123+07:00` (WIB, milliseconds).
    WibMillis,
    /// `2020-12-17T03:55:00Z` (UTC, seconds).
    Utc,
    /// `2020-12-17T03:55:00.123Z` (UTC, milliseconds).
    UtcMillis,
}

/// A timestamp that cannot be parsed or is outside the accepted window.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// Not an RFC 3339 date-time.
    #[error("timestamp is not RFC 3339: {0:?}")]
    Malformed(String),
    /// Further from now than the window allows.
    #[error("timestamp is {skew} away from now, more than the allowed {window}")]
    OutsideWindow {
        /// `timestamp - now` (negative in the past).
        skew: Duration,
        /// The allowed distance.
        window: Duration,
    },
}

/// Formats an X-TIMESTAMP.
///
/// ```
/// use snap_crypto::{TimestampStyle, format_timestamp};
/// use time::macros::datetime;
/// let t = datetime!(2020-12-17 03:55:00.123456 UTC);
/// assert_eq!(format_timestamp(t, TimestampStyle::Wib), "2020-12-17T10:55:00+07:00");
/// assert_eq!(format_timestamp(t, TimestampStyle::UtcMillis), "2020-12-17T03:55:00.123Z");
/// ```
pub fn format_timestamp(t: OffsetDateTime, style: TimestampStyle) -> String {
    const WIB: UtcOffset = snap_types::JAKARTA;
    let (t, millis, utc) = match style {
        TimestampStyle::Wib => (t.to_offset(WIB), false, false),
        TimestampStyle::WibMillis => (t.to_offset(WIB), true, false),
        TimestampStyle::Utc => (t.to_offset(UtcOffset::UTC), false, true),
        TimestampStyle::UtcMillis => (t.to_offset(UtcOffset::UTC), true, true),
    };
    let formatted = match (millis, utc) {
        (false, false) => t.format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
        )),
        (true, false) => t.format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory]:[offset_minute]"
        )),
        (false, true) => t.format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z")),
        (true, true) => t.format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        )),
    };
    // Formatting only fails for years outside 0..=9999, which a payment timestamp never has.
    formatted.unwrap_or_default()
}

/// The current time from `clock`, formatted.
pub fn timestamp_now(clock: &(impl Clock + ?Sized), style: TimestampStyle) -> String {
    format_timestamp(clock.now(), style)
}

/// Parses any RFC 3339 date-time (`+07:00`, `Z`, fractional seconds).
///
/// ```
/// let t = snap_crypto::parse_timestamp("2024-03-01T08:27:49.024Z")?;
/// assert_eq!(t.millisecond(), 24);
/// # Ok::<(), snap_crypto::TimestampError>(())
/// ```
pub fn parse_timestamp(s: &str) -> Result<OffsetDateTime, TimestampError> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|_| TimestampError::Malformed(s.chars().take(64).collect()))
}

/// Accepts `timestamp` when `|timestamp - now| <= window`.
///
/// ```
/// use snap_crypto::{check_window, parse_timestamp};
/// use time::{Duration, macros::datetime};
/// let now = datetime!(2020-12-17 10:55:00 +07:00);
/// let ts = parse_timestamp("2020-12-17T03:59:00Z")?;
/// assert!(check_window(ts, now, Duration::minutes(5)).is_ok());
/// assert!(check_window(ts, now, Duration::minutes(3)).is_err());
/// # Ok::<(), snap_crypto::TimestampError>(())
/// ```
pub fn check_window(
    timestamp: OffsetDateTime,
    now: OffsetDateTime,
    window: Duration,
) -> Result<(), TimestampError> {
    let skew = timestamp - now;
    if skew.abs() <= window.abs() {
        Ok(())
    } else {
        Err(TimestampError::OutsideWindow { skew, window })
    }
}
