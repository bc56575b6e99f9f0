//! How long answered claims are kept: [`ClaimCutoff`].
//!
//! A claim's key holds the Asia/Jakarta date on which the server received the request (by its
//! clock), so a new request can only ever claim today's keys: a claim of an earlier date can never
//! be matched again, and its answer is dead weight. Snap-http's `MemoryReplayStore` drops such keys
//! when the first claim of a later day arrives, and the Redis store lets them expire at the next
//! Jakarta midnight. A durable store keeps them one day longer (yesterday's claims stay until the
//! day after), a margin for instances whose clocks disagree around midnight and for a request
//! received just before it. Stored notifications, their answers' records and the outbox are the
//! merchant's record and are never purged.

use time::{Date, OffsetDateTime};

/// Which answered claims [`NotificationStore::purge_claims`] removes: those whose Asia/Jakarta
/// date is before [`first_kept`](Self::first_kept).
///
/// ```
/// use snap_store::ClaimCutoff;
/// use time::macros::{date, datetime};
///
/// // 2026-12-06 18:00 UTC is already the 7th in Jakarta: claims of the 5th and before go.
/// let cutoff = ClaimCutoff::at(datetime!(2026-12-06 18:00 UTC));
/// assert_eq!(cutoff.first_kept(), date!(2026 - 12 - 06));
/// ```
///
/// [`NotificationStore::purge_claims`]: crate::NotificationStore::purge_claims
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimCutoff {
    first_kept: Date,
}

impl ClaimCutoff {
    /// The cutoff for a server whose clock reads `now`: yesterday's and today's claims (in
    /// Jakarta) are kept, earlier ones go.
    pub fn at(now: OffsetDateTime) -> Self {
        let today = snap_types::jakarta_date(now);
        Self {
            first_kept: today.previous_day().unwrap_or(today),
        }
    }

    /// Keeps the claims of `first_kept` and later dates.
    pub const fn keeping_from(first_kept: Date) -> Self {
        Self { first_kept }
    }

    /// The earliest Jakarta date whose claims are kept.
    pub const fn first_kept(&self) -> Date {
        self.first_kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn keeps_yesterday_and_today_in_jakarta() {
        // 16:59:59 UTC is still the 6th in Jakarta (UTC+7), 17:00 is the 7th.
        assert_eq!(
            ClaimCutoff::at(datetime!(2026-12-06 16:59:59 UTC)).first_kept(),
            date!(2026 - 12 - 05)
        );
        assert_eq!(
            ClaimCutoff::at(datetime!(2026-12-06 17:00 UTC)).first_kept(),
            date!(2026 - 12 - 06)
        );
        assert_eq!(
            ClaimCutoff::keeping_from(date!(2026 - 01 - 01)).first_kept(),
            date!(2026 - 01 - 01)
        );
    }
}
