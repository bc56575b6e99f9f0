//! Outcomes chosen by amount: the cents of what is paid pick what happens next, so a merchant's
//! scripted tests choose an outcome without the admin API (as hosted sandboxes do with magic
//! amounts).
//!
//! | paid amount ends in | what happens |
//! |---|---|
//! | `.41` | the VA has expired when it is paid: the notification says `paymentFlagStatus` `08` (VAs only) |
//! | `.42` | the notification is delivered twice: once acknowledged, the identical request (same X-EXTERNAL-ID and body) again |
//! | `.43` | the notification is delayed: its first attempt waits 10 seconds |
//! | `.44` | the merchant's next call to the sandbox (any endpoint, the token request too) is answered `500xx00 General Error`, once |
//! | anything else | a normal payment (the fault switches still apply) |
//!
//! For a VA the paid amount is the bill's (a fixed VA) or the payer's (an open VA); for a QR it
//! is the QR's amount.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use http_body_util::Full;
use serde::{Deserialize, Serialize};
use snap_http::Rejection;
use snap_types::{Amount, ServiceCode};

/// How long the `.43` scenario holds a notification back.
pub(crate) const DELAY: Duration = Duration::from_secs(10);

/// What a payment's amount asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Scenario {
    /// Nothing special.
    #[default]
    Normal,
    /// `.41`: the VA is expired when paid.
    Expire,
    /// `.42`: the notification is sent twice.
    Duplicate,
    /// `.43`: the notification waits [`DELAY`] before its first attempt.
    Delay,
    /// `.44`: the merchant's next call gets `500xx00`.
    ProviderError,
}

impl Scenario {
    /// The scenario `amount` picks.
    pub(crate) fn of(amount: Amount) -> Self {
        match amount.minor_units() % 100 {
            41 => Self::Expire,
            42 => Self::Duplicate,
            43 => Self::Delay,
            44 => Self::ProviderError,
            _ => Self::Normal,
        }
    }

    /// Whether this is [`Scenario::Normal`] (the delivery log leaves it out).
    pub(crate) fn is_normal(&self) -> bool {
        *self == Self::Normal
    }
}

/// The `.44` scenario's switch: armed by a payment, spent by the merchant's next call.
#[derive(Debug, Default)]
pub(crate) struct FailNextCall(AtomicBool);

impl FailNextCall {
    /// Makes the next call fail.
    pub(crate) fn arm(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether this call is the one to fail (and disarms).
    pub(crate) fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }
}

/// `500xx00 General Error` for a call to `path`, with the service code of the endpoint whose
/// standard path ends `path` (`00` when none does).
pub(crate) fn general_error(path: &str) -> Response<Full<Bytes>> {
    let service = ServiceCode::all()
        .iter()
        .filter(|info| path.ends_with(info.path_suffix))
        .max_by_key(|info| info.path_suffix.len())
        .map(|info| info.code)
        .or_else(|| ServiceCode::new(0));
    let timestamp = snap_crypto::format_timestamp(
        snap_crypto::Clock::now(&snap_crypto::SystemClock),
        snap_crypto::TimestampStyle::Wib,
    );
    match service {
        Some(service) => Rejection::Internal.into_response(service, Some(&timestamp)),
        None => Response::new(Full::new(Bytes::new())),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cents_pick_the_scenario() {
        let of = |text: &str| Scenario::of(text.parse().unwrap());
        assert_eq!(of("10000.41"), Scenario::Expire);
        assert_eq!(of("10000.42"), Scenario::Duplicate);
        assert_eq!(of("1.43"), Scenario::Delay);
        assert_eq!(of("250000.44"), Scenario::ProviderError);
        assert_eq!(of("10000.00"), Scenario::Normal);
        assert_eq!(of("10041.00"), Scenario::Normal);
    }

    #[test]
    fn the_failing_call_is_answered_with_its_service() {
        let response = general_error("/api/v1.0/qr/qr-mpm-query");
        assert_eq!(response.status(), 500);
        let response = general_error("/somewhere/else");
        assert_eq!(response.status(), 500);
        let armed = FailNextCall::default();
        assert!(!armed.take());
        armed.arm();
        assert!(armed.take());
        assert!(!armed.take());
    }
}
