//! The signing middleware: a tower `Layer` that adds the SNAP headers and `X-SIGNATURE` to
//! outgoing service requests.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Request};
use snap_crypto::{
    Clock, ExternalIdGenerator, ServiceRequest, SignatureOptions, Signer, SystemClock,
    TimestampStyle, format_timestamp,
};
use snap_types::{ChannelId, PartnerId};
use tower::{Layer, Service};

use crate::SignatureMode;
use crate::client::config::ClientConfig;
use crate::client::error::ClientError;
use crate::error::{ConfigError, ConfigErrorKind, ConfigField};
use crate::headers::{CHANNEL_ID, ORIGIN, X_EXTERNAL_ID, X_PARTNER_ID, X_SIGNATURE, X_TIMESTAMP};

/// A boxed, sendable future (what the client's services return).
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

struct Params {
    mode: SignatureMode,
    options: SignatureOptions,
    style: TimestampStyle,
    partner_id: PartnerId,
    channel_id: ChannelId,
    origin: Option<HeaderValue>,
    private_key: Arc<dyn Signer>,
    client_secret: Option<Arc<dyn Signer>>,
    clock: Arc<dyn Clock>,
    ids: ExternalIdGenerator,
}

/// Signs outgoing SNAP service requests (`http::Request<Bytes>`, the body exactly as it will be
/// sent).
///
/// For each request it sets `Content-Type: application/json` (unless already set), `X-TIMESTAMP`
/// (from the clock, in the profile's style), `X-PARTNER-ID`, `CHANNEL-ID`, `ORIGIN` (when
/// configured), `X-EXTERNAL-ID` (a fresh numeric id unless the request already has one), and
/// `X-SIGNATURE` over the method, the path and query as sent, the token of the request's
/// `Authorization: Bearer` header (symmetric mode), the body bytes and the timestamp.
/// `X-SIGNATURE` is marked sensitive. Symmetric signing without that header fails with
/// [`ClientError::NoAccessToken`].
///
/// The layer does not fetch tokens: [`TokenLayer`](crate::TokenLayer) in front of it does (as in
/// [`SnapClient`](crate::SnapClient)). Used on its own:
///
/// ```
/// use bytes::Bytes;
/// use snap_crypto::{ClientSecret, RsaPrivateKey};
/// use snap_http::{ClientConfig, ProviderProfile, SigningLayer};
/// use tower::{Layer, ServiceExt, service_fn};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let key = RsaPrivateKey::from_file("../../fixtures/keys/rsa2048-pkcs8.pem")?;
/// let config = ClientConfig::builder()
///     .base_url("http://127.0.0.1:8080")
///     .client_id("client-1".parse()?)
///     .channel_id("95221".parse()?)
///     .private_key(key)
///     .client_secret(ClientSecret::new("secret"))
///     .profile(ProviderProfile::qoinhub())
///     .build()?;
/// let echo = service_fn(|req: http::Request<Bytes>| async move {
///     Ok::<_, snap_http::ClientError>(req.headers().contains_key("x-signature"))
/// });
/// let service = SigningLayer::new(&config).layer(echo);
/// let request = http::Request::post("/ordersnap/api/v1.0/qr/qr-mpm-query")
///     .header("authorization", "Bearer token")
///     .body(Bytes::from_static(b"{}"))?;
/// assert!(service.oneshot(request).await?);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SigningLayer {
    params: Arc<Params>,
}

impl SigningLayer {
    /// A layer signing with the keys, ids and profile of `config`, on the system clock.
    pub fn new(config: &ClientConfig) -> Self {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A layer taking X-TIMESTAMP from `clock`.
    pub fn with_clock(config: &ClientConfig, clock: Arc<dyn Clock>) -> Self {
        let params = Params {
            mode: config.profile.signature_mode(),
            options: config.profile.signature_options(),
            style: config.profile.timestamp_style(),
            partner_id: config.partner_id.clone(),
            channel_id: config.channel_id.clone(),
            origin: config.origin.clone(),
            private_key: Arc::clone(&config.private_key),
            client_secret: config.client_secret.clone(),
            clock,
            ids: ExternalIdGenerator::new(),
        };
        Self {
            params: Arc::new(params),
        }
    }

    /// Signs one request in place (what the service does before passing it on).
    pub fn sign(&self, request: &mut Request<Bytes>) -> Result<(), ClientError> {
        self.params.sign(request)
    }
}

impl Params {
    fn sign(&self, request: &mut Request<Bytes>) -> Result<(), ClientError> {
        let timestamp = format_timestamp(self.clock.now(), self.style);
        let path = request.uri().path_and_query().map_or_else(
            || request.uri().path().to_owned(),
            |pq| pq.as_str().to_owned(),
        );
        let method = request.method().as_str().to_owned();
        let token = bearer_token(request.headers())?;
        let signed = ServiceRequest::new(&method, &path)
            .with_body(request.body())
            .with_timestamp(&timestamp)
            .with_options(self.options);

        let signature = match self.mode {
            SignatureMode::Symmetric => {
                let secret = self.client_secret.as_ref().ok_or_else(|| {
                    let missing =
                        ConfigError::new(ConfigField::ClientSecret, ConfigErrorKind::Missing);
                    ClientError::Config(missing)
                })?;
                let token = token.as_deref().ok_or(ClientError::NoAccessToken)?;
                snap_crypto::sign(&signed.with_token(token), secret.as_ref())?
            }
            SignatureMode::Asymmetric => snap_crypto::sign(&signed, self.private_key.as_ref())?,
        };

        let headers = request.headers_mut();
        if !headers.contains_key(CONTENT_TYPE) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        headers.insert(X_TIMESTAMP, value(&timestamp)?);
        headers.insert(X_PARTNER_ID, value(self.partner_id.as_str())?);
        if !headers.contains_key(X_EXTERNAL_ID) {
            headers.insert(
                X_EXTERNAL_ID,
                value(&self.ids.next_id_with(self.clock.as_ref()))?,
            );
        }
        headers.insert(CHANNEL_ID, value(self.channel_id.as_str())?);
        if let Some(origin) = &self.origin {
            headers.insert(ORIGIN, origin.clone());
        }
        let mut signature = value(&signature)?;
        signature.set_sensitive(true);
        headers.insert(X_SIGNATURE, signature);
        Ok(())
    }
}

/// A header value from text this crate wrote or validated (ids, timestamps, signatures: visible
/// ASCII); anything else is refused rather than sent altered.
pub(crate) fn value(text: &str) -> Result<HeaderValue, ClientError> {
    HeaderValue::from_str(text).map_err(|_| {
        ClientError::transport(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "a header value has forbidden bytes",
        ))
    })
}

/// The token of `Authorization: Bearer <token>`, when the request has one.
fn bearer_token(headers: &http::HeaderMap) -> Result<Option<String>, ClientError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| ClientError::NoAccessToken)?;
    match text.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() => {
            Ok(Some(token.to_owned()))
        }
        _ => Err(ClientError::NoAccessToken),
    }
}

impl fmt::Debug for SigningLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningLayer")
            .field("mode", &self.params.mode)
            .field("style", &self.params.style)
            .field("options", &self.params.options)
            .finish_non_exhaustive()
    }
}

impl<S> Layer<S> for SigningLayer {
    type Service = SigningService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SigningService {
            layer: self.clone(),
            inner,
        }
    }
}

/// The service [`SigningLayer`] wraps around an inner HTTP service.
#[derive(Clone)]
pub struct SigningService<S> {
    layer: SigningLayer,
    inner: S,
}

impl<S: fmt::Debug> fmt::Debug for SigningService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningService")
            .field("layer", &self.layer)
            .field("inner", &self.inner)
            .finish()
    }
}

impl<S> Service<Request<Bytes>> for SigningService<S>
where
    S: Service<Request<Bytes>>,
    S::Response: Send + 'static,
    S::Error: Into<ClientError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = ClientError;
    type Future = BoxFuture<Result<S::Response, ClientError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut request: Request<Bytes>) -> Self::Future {
        if let Err(e) = self.layer.sign(&mut request) {
            return Box::pin(std::future::ready(Err(e)));
        }
        let future = self.inner.call(request);
        Box::pin(async move { future.await.map_err(Into::into) })
    }
}
