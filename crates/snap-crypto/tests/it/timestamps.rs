//! Timestamp formatting, parsing and the window check.

use snap_crypto::{
    Clock, FixedClock, SystemClock, TimestampError, TimestampStyle, check_window, format_timestamp,
    parse_timestamp, timestamp_now,
};
use time::Duration;
use time::macros::datetime;

#[test]
fn styles() {
    let t = datetime!(2024-03-01 08:27:49.024 UTC);
    assert_eq!(
        format_timestamp(t, TimestampStyle::Wib),
        "2024-03-01T15:27:49+07:00"
    );
    assert_eq!(
        format_timestamp(t, TimestampStyle::WibMillis),
        "2024-03-01T15:27:49.024+07:00"
    );
    assert_eq!(
        format_timestamp(t, TimestampStyle::Utc),
        "2024-03-01T08:27:49Z"
    );
    assert_eq!(
        format_timestamp(t, TimestampStyle::UtcMillis),
        "2024-03-01T08:27:49.024Z"
    );
    let clock = FixedClock::new(t);
    assert_eq!(
        timestamp_now(&clock, TimestampStyle::default()),
        "2024-03-01T15:27:49+07:00"
    );
    // Every style parses back to the same instant (to its precision).
    for style in [
        TimestampStyle::Wib,
        TimestampStyle::WibMillis,
        TimestampStyle::Utc,
        TimestampStyle::UtcMillis,
    ] {
        let back = parse_timestamp(&format_timestamp(t, style)).unwrap();
        assert!((back - t).abs() < Duration::seconds(1), "{style:?}");
    }
    let now = SystemClock.now();
    assert!(parse_timestamp(&timestamp_now(&SystemClock, TimestampStyle::Wib)).is_ok());
    assert!(check_window(now, SystemClock.now(), Duration::seconds(5)).is_ok());
}

#[test]
fn parses_rfc3339_forms() {
    for s in [
        "2020-12-17T10:55:00+07:00",
        "2024-03-01T08:27:49.024Z",
        "2021-11-02T13:14:15.678+07:00",
        "2020-12-17T03:55:00Z",
        "2020-12-17T03:55:00.123456789-03:00",
    ] {
        parse_timestamp(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    for s in [
        "",
        "2020-12-17",
        "2020-12-17T10:55:00",
        "17/12/2020",
        "2020-13-17T10:55:00Z",
    ] {
        assert!(
            matches!(parse_timestamp(s), Err(TimestampError::Malformed(_))),
            "{s}"
        );
    }
    assert_eq!(
        parse_timestamp("2020-12-17T10:55:00+07:00").unwrap(),
        parse_timestamp("2020-12-17T03:55:00Z").unwrap()
    );
}

#[test]
fn window_is_symmetric_and_inclusive() {
    let now = datetime!(2020-12-17 10:55:00 +07:00);
    let w = Duration::minutes(5);
    assert!(check_window(now + w, now, w).is_ok());
    assert!(check_window(now - w, now, w).is_ok());
    let late = check_window(now + w + Duration::seconds(1), now, w);
    assert!(
        matches!(late, Err(TimestampError::OutsideWindow { skew, .. }) if skew == Duration::seconds(301))
    );
    assert!(check_window(now - w - Duration::milliseconds(1), now, w).is_err());
}

#[test]
fn fixed_clock_moves_only_when_told() {
    let clock = FixedClock::new(datetime!(2020-12-17 10:55:00 +07:00));
    assert_eq!(clock.now(), clock.now());
    clock.set(datetime!(2021-01-01 00:00:00 UTC));
    assert_eq!(clock.now(), datetime!(2021-01-01 00:00:00 UTC));
    let shared: std::sync::Arc<dyn Clock> = std::sync::Arc::new(clock);
    assert_eq!(shared.now(), datetime!(2021-01-01 00:00:00 UTC));
}
