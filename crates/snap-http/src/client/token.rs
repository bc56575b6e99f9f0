//! The B2B access-token cache: one fetch at a time, refreshed ahead of expiry.

use std::future::Future;
use std::time::Duration;

use snap_crypto::Clock;
use snap_types::AccessToken;
use time::OffsetDateTime;
use tokio::sync::Mutex;

use crate::client::error::ClientError;

/// Lifetime assumed when a provider's answer has no `expiresIn` (the standard's 900 s).
pub(crate) const DEFAULT_EXPIRES_IN: u32 = 900;

struct Cached {
    token: AccessToken,
    /// From this instant on the token is replaced before use.
    refresh_at: OffsetDateTime,
}

/// Holds the current token. The mutex is held across a fetch, so however many calls find the
/// cache empty or stale, one fetches and the others wait for its result; a cancelled fetch
/// releases the lock and the next waiter fetches.
pub(crate) struct TokenCache {
    slot: Mutex<Option<Cached>>,
    skew: Duration,
}

impl TokenCache {
    pub(crate) fn new(skew: Duration) -> Self {
        Self {
            slot: Mutex::new(None),
            skew,
        }
    }

    /// The cached token if it is not due for refresh at `clock.now()`, else the result of
    /// `fetch` (token and lifetime in seconds), which is then cached.
    pub(crate) async fn get<F, Fut>(
        &self,
        clock: &dyn Clock,
        fetch: F,
    ) -> Result<AccessToken, ClientError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(AccessToken, u32), ClientError>>,
    {
        let mut slot = self.slot.lock().await;
        let now = clock.now();
        if let Some(cached) = slot.as_ref().filter(|c| now < c.refresh_at) {
            return Ok(cached.token.clone());
        }
        let (token, expires_in) = fetch().await?;
        *slot = Some(self.entry(token.clone(), expires_in, now));
        Ok(token)
    }

    /// Replaces the cached token with one fetched outside [`TokenCache::get`], issued at `issued`.
    pub(crate) async fn store(&self, token: AccessToken, expires_in: u32, issued: OffsetDateTime) {
        *self.slot.lock().await = Some(self.entry(token, expires_in, issued));
    }

    /// Drops the cached token if it is still `used` (a token another call already replaced stays).
    pub(crate) async fn invalidate(&self, used: &AccessToken) {
        let mut slot = self.slot.lock().await;
        if slot.as_ref().is_some_and(|c| &c.token == used) {
            *slot = None;
        }
    }

    /// Refresh `skew` before expiry, but never earlier than half-way through a short lifetime,
    /// so a token shorter than the skew is still reused.
    fn entry(&self, token: AccessToken, expires_in: u32, issued: OffsetDateTime) -> Cached {
        let lifetime = Duration::from_secs(u64::from(expires_in));
        let early = self.skew.min(lifetime / 2);
        let refresh_at = issued.saturating_add(
            time::Duration::try_from(lifetime - early).unwrap_or(time::Duration::ZERO),
        );
        Cached { token, refresh_at }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use snap_crypto::FixedClock;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use time::macros::datetime;

    #[tokio::test]
    async fn refresh_with_skew() {
        let clock = FixedClock::new(datetime!(2024-03-19 14:30:00 +07:00));
        let cache = TokenCache::new(Duration::from_secs(60));
        let fetches = AtomicUsize::new(0);
        let fetch = || async {
            let n = fetches.fetch_add(1, Ordering::SeqCst);
            Ok((format!("t{n}").parse::<AccessToken>().unwrap(), 900))
        };
        assert_eq!(cache.get(&clock, fetch).await.unwrap().expose(), "t0");
        clock.advance(time::Duration::seconds(839));
        assert_eq!(cache.get(&clock, fetch).await.unwrap().expose(), "t0");
        clock.advance(time::Duration::seconds(1));
        assert_eq!(cache.get(&clock, fetch).await.unwrap().expose(), "t1");
        let t1 = cache.get(&clock, fetch).await.unwrap();
        cache.invalidate(&"t0".parse().unwrap()).await;
        assert_eq!(cache.get(&clock, fetch).await.unwrap(), t1);
        cache.invalidate(&t1).await;
        assert_eq!(cache.get(&clock, fetch).await.unwrap().expose(), "t2");
        assert_eq!(fetches.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn short_lifetime_is_reused() {
        let clock = FixedClock::new(datetime!(2024-03-19 14:30:00 +07:00));
        let cache = TokenCache::new(Duration::from_secs(60));
        let fetch = || async { Ok(("short".parse::<AccessToken>().unwrap(), 30)) };
        cache.get(&clock, fetch).await.unwrap();
        clock.advance(time::Duration::seconds(14));
        let never = || async { Err(ClientError::Config("should not fetch".into())) };
        assert!(cache.get(&clock, never).await.is_ok());
    }
}
