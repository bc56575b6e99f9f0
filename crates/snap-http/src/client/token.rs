//! The B2B access token on the client side: [`TokenLayer`] fetches it (auth signature), caches
//! it (one fetch at a time, refreshed ahead of expiry), sets `Authorization: Bearer` on each
//! request, and on `401xx01 Invalid Token (B2B)` refreshes it and resends once.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response};
use snap_crypto::{AuthRequest, Clock, SystemClock, format_timestamp, sign_auth};
use snap_types::{AccessToken, AccessTokenResponse, Case, StatusResponse};
use time::OffsetDateTime;
use tokio::sync::Mutex;
use tower::{Layer, Service, ServiceExt as _};

use crate::SignatureMode;
use crate::client::config::ClientConfig;
use crate::client::error::ClientError;
use crate::client::sign::{BoxFuture, value};
use crate::client::snap_client::SnapReply;
use crate::client::transport::HttpTransport;
use crate::headers::{X_CLIENT_KEY, X_SIGNATURE, X_TIMESTAMP};

/// The token request body of the standard (`grantType` plus an empty `additionalInfo`).
const TOKEN_BODY: &[u8] = br#"{"grantType":"client_credentials","additionalInfo":{}}"#;

/// Fetches and caches the B2B token of one client.
pub(crate) struct TokenManager {
    config: ClientConfig,
    transport: HttpTransport,
    clock: Arc<dyn Clock>,
    cache: TokenCache,
}

impl TokenManager {
    pub(crate) fn new(
        config: &ClientConfig,
        transport: HttpTransport,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            cache: TokenCache::new(config.token_skew),
            config: config.clone(),
            transport,
            clock,
        }
    }

    /// The cached token, fetched first if there is none or it is due for refresh.
    pub(crate) async fn token(&self) -> Result<AccessToken, ClientError> {
        self.cache
            .get(self.clock.as_ref(), || async {
                let reply = self.request().await?.into_success()?;
                token_of(&reply)
            })
            .await
    }

    /// Fetches a new token now, caches it on success, and returns the provider's answer,
    /// rejections included.
    pub(crate) async fn fetch(&self) -> Result<SnapReply, ClientError> {
        let issued = self.clock.now();
        let reply = self.request().await?;
        if let Ok(ok) = reply.clone().into_success() {
            let (token, expires_in) = token_of(&ok)?;
            self.cache.store(token, expires_in, issued).await;
        }
        Ok(reply)
    }

    /// One token request: auth signature over `clientId|X-TIMESTAMP`, no caching.
    async fn request(&self) -> Result<SnapReply, ClientError> {
        let config = &self.config;
        let timestamp = format_timestamp(self.clock.now(), config.profile.timestamp_style());
        let client_id = config.client_id.as_str();
        let signed = AuthRequest::new(client_id).with_timestamp(&timestamp);
        let signature = sign_auth(&signed, config.private_key.as_ref())?;
        let mut request = Request::new(Bytes::from_static(TOKEN_BODY));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = config.url(config.profile.token_path())?;
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(X_TIMESTAMP, value(&timestamp)?);
        headers.insert(X_CLIENT_KEY, value(client_id)?);
        let mut signature = value(&signature)?;
        signature.set_sensitive(true);
        headers.insert(X_SIGNATURE, signature);
        tracing::debug!(
            path = config.profile.token_path(),
            "requesting B2B access token"
        );
        let response = self.transport.clone().oneshot(request).await?;
        SnapReply::from_response(response, None)
    }
}

fn token_of(reply: &SnapReply) -> Result<(AccessToken, u32), ClientError> {
    let response: AccessTokenResponse = reply.parse()?;
    let token = response.access_token.ok_or_else(|| {
        ClientError::malformed(reply.http_status(), "token answer without accessToken")
    })?;
    Ok((token, response.expires_in.unwrap_or(DEFAULT_EXPIRES_IN)))
}

/// A tower [`Layer`] that puts the client's B2B access token on each request
/// (`Authorization: Bearer`, marked sensitive), in front of a [`SigningLayer`](crate::SigningLayer):
/// the token is fetched with the auth signature on first use, cached, refreshed `token_skew`
/// before expiry, one fetch at a time. A request answered `401xx01 Invalid Token (B2B)` drops the
/// token, gets a new one and is sent once more (with its X-EXTERNAL-ID if it carries one; nothing
/// else is retried). Asymmetric profiles need no token: requests pass through.
///
/// ```
/// use snap_crypto::{ClientSecret, RsaPrivateKey};
/// use snap_http::{ClientConfig, HttpTransport, ProviderProfile, SigningLayer, TokenLayer};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = ClientConfig::builder()
///     .base_url("https://sandbox.example.com")
///     .client_id("client-1".parse()?)
///     .channel_id("95221".parse()?)
///     .private_key(RsaPrivateKey::from_file("../../fixtures/keys/rsa2048-pkcs8.pem")?)
///     .client_secret(ClientSecret::new("secret"))
///     .profile(ProviderProfile::qoinhub())
///     .build()?;
/// let transport = HttpTransport::new(&config)?;
/// let service = tower::ServiceBuilder::new()
///     .layer(TokenLayer::new(&config, transport.clone()))
///     .layer(SigningLayer::new(&config))
///     .service(transport);
/// # drop(service);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TokenLayer {
    manager: Arc<TokenManager>,
    mode: SignatureMode,
}

impl fmt::Debug for TokenLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenLayer")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl TokenLayer {
    /// Tokens for `config`'s client, fetched over `transport`, on the system clock.
    pub fn new(config: &ClientConfig, transport: HttpTransport) -> Self {
        Self::with_clock(config, transport, Arc::new(SystemClock))
    }

    /// Like [`TokenLayer::new`], expiry judged by `clock`.
    pub fn with_clock(
        config: &ClientConfig,
        transport: HttpTransport,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            manager: Arc::new(TokenManager::new(config, transport, clock)),
            mode: config.profile.signature_mode(),
        }
    }

    pub(crate) fn manager(&self) -> &Arc<TokenManager> {
        &self.manager
    }
}

impl<S> Layer<S> for TokenLayer {
    type Service = TokenService<S>;

    fn layer(&self, inner: S) -> TokenService<S> {
        TokenService {
            layer: self.clone(),
            inner,
        }
    }
}

/// The service of [`TokenLayer`].
#[derive(Clone)]
pub struct TokenService<S> {
    layer: TokenLayer,
    inner: S,
}

impl<S> fmt::Debug for TokenService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenService")
            .field("layer", &self.layer)
            .finish_non_exhaustive()
    }
}

impl<S> Service<Request<Bytes>> for TokenService<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = ClientError>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    type Response = Response<Bytes>;
    type Error = ClientError;
    type Future = BoxFuture<Result<Response<Bytes>, ClientError>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ClientError>> {
        // Readiness is awaited on the clone that sends the request.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let inner = self.inner.clone();
        if self.layer.mode == SignatureMode::Asymmetric {
            return Box::pin(inner.oneshot(request));
        }
        let manager = Arc::clone(&self.layer.manager);
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let token = manager.token().await?;
            let response = inner
                .clone()
                .oneshot(with_token(&parts, &body, &token)?)
                .await?;
            if !is_invalid_token(&response) {
                return Ok(response);
            }
            tracing::debug!("token refused; refreshing once and resending");
            manager.cache.invalidate(&token).await;
            let token = manager.token().await?;
            inner.oneshot(with_token(&parts, &body, &token)?).await
        })
    }
}

/// A copy of the request with `Authorization: Bearer <token>`.
fn with_token(
    parts: &http::request::Parts,
    body: &Bytes,
    token: &AccessToken,
) -> Result<Request<Bytes>, ClientError> {
    let mut request = Request::new(body.clone());
    *request.method_mut() = parts.method.clone();
    *request.uri_mut() = parts.uri.clone();
    *request.version_mut() = parts.version;
    *request.headers_mut() = parts.headers.clone();
    let mut bearer = value(&format!("Bearer {}", token.expose()))?;
    bearer.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, bearer);
    Ok(request)
}

/// Whether the provider answered `401xx01 Invalid Token (B2B)`.
fn is_invalid_token(response: &Response<Bytes>) -> bool {
    response.status() == http::StatusCode::UNAUTHORIZED
        && serde_json::from_slice::<StatusResponse>(response.body())
            .is_ok_and(|s| s.response_code.case() == Some(Case::InvalidTokenB2b))
}

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
        let never = || async { Err(ClientError::NoAccessToken) };
        assert!(cache.get(&clock, never).await.is_ok());
    }
}
