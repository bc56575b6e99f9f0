//! Purging the answered claims no request can match any more: at start, then every hour, by the
//! server's clock (see snap-store's `ClaimCutoff`). Notifications and the outbox are never purged.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use snap_crypto::Clock;
use snap_store::{ClaimCutoff, NotificationStore};

/// How often a running receiver purges.
const EVERY: Duration = Duration::from_secs(60 * 60);

/// Purges once; a failure is logged (the next purge tries again), never fatal.
pub(crate) async fn once(store: &NotificationStore, clock: &impl Clock) {
    let cutoff = ClaimCutoff::at(clock.now());
    match store.purge_claims(cutoff).await {
        Ok(removed) => tracing::info!(
            removed,
            first_kept = %cutoff.first_kept(),
            "purged the answered claims of earlier days"
        ),
        Err(e) => tracing::warn!(error = %e, "could not purge old claims; trying again in an hour"),
    }
}

/// Purges every hour until `stop` resolves.
pub(crate) async fn every_hour(
    store: Arc<NotificationStore>,
    clock: impl Clock,
    stop: impl Future<Output = ()>,
) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + EVERY, EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let purging = async {
        loop {
            ticks.tick().await;
            once(&store, &clock).await;
        }
    };
    tokio::select! {
        () = stop => {}
        _ = purging => {}
    }
}
