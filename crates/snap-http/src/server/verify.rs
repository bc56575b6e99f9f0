//! SNAP verification in front of any service: the SNAP headers, the bearer token, the timestamp
//! window and the signature over the exact received bytes (with a body limit and deadline). The
//! verified facts travel on as a [`Verified`] request extension.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;
use snap_crypto::{Clock, ServiceRequest, SystemClock};
use snap_types::{ChannelId, ExternalId, PartnerId, ServiceCode, Timestamp, jakarta_date};
use tower::ServiceExt as _;

use crate::Error;
use crate::error::{BoxError, ConfigError, ConfigErrorKind, ConfigField};
use crate::rejection::Rejection;
use crate::response::response_stamp;
use crate::server::body;
use crate::server::jwt::{JwtTokenIssuer, TokenIssuer};
use crate::server::partner::{Partner, Partners, SignatureMode};
use crate::server::replay::{BoxFuture, Fingerprint, ReceivedRequest, ReplayKey};
use crate::server::request_headers::{
    ServiceHeaders, bearer, content_length, header, typed_header,
};

/// What [`VerifyLayer`] verified, as a request extension for the services behind it (an axum
/// handler takes it with `Extension<Verified>`).
#[derive(Debug, Clone)]
pub struct Verified {
    client_id: PartnerId,
    received: Arc<ReceivedRequest>,
}

impl Verified {
    /// The verified partner's client id (its `X-PARTNER-ID` may differ).
    pub fn client_id(&self) -> &PartnerId {
        &self.client_id
    }

    /// The request as received: partner id, X-EXTERNAL-ID, `X-TIMESTAMP`, channel, the server's
    /// clock reading, the replay key and fingerprint, the raw body.
    pub fn received(&self) -> &ReceivedRequest {
        &self.received
    }

    pub(crate) fn shared(&self) -> &Arc<ReceivedRequest> {
        &self.received
    }
}

/// What verification needs, shared by every route of a server.
#[derive(Clone)]
pub(crate) struct VerifyConfig {
    pub(crate) partners: Arc<Partners>,
    pub(crate) tokens: Arc<dyn TokenIssuer>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) window: time::Duration,
    pub(crate) body_limit: usize,
    pub(crate) body_timeout: Duration,
    pub(crate) signed_prefix: String,
}

/// The `X-TIMESTAMP` window as a signed duration.
pub(crate) fn window(window: Duration) -> Result<time::Duration, Error> {
    time::Duration::try_from(window).map_err(|_| {
        ConfigError::new(ConfigField::TimestampWindow, ConfigErrorKind::TooLarge).into()
    })
}

/// A tower [`Layer`](tower::Layer) that verifies SNAP service requests (notifications) of one
/// endpoint before the inner service sees them; every refusal is the SNAP answer of
/// [`Rejection`] with this endpoint's service code. The inner service gets the body as read
/// (`Full<Bytes>`) and the [`Verified`] facts as an extension.
///
/// Use [`SnapServer::verify_layer`](crate::SnapServer::verify_layer) to verify with the
/// partners and token issuer of a [`SnapServer`](crate::SnapServer), or build one here.
///
/// ```
/// use snap_crypto::ClientSecret;
/// use snap_http::{JwtTokenIssuer, Partner, VerifyLayer};
/// use snap_types::ServiceCode;
///
/// let partner = Partner::new("QoinSnap")?.with_client_secret(ClientSecret::new("secret"));
/// let tokens = JwtTokenIssuer::new(b"a shared token key of 32 bytes..")?;
/// let layer = VerifyLayer::new(ServiceCode::TRANSFER_VA_STATUS, [partner], tokens)?;
/// let service = tower::ServiceBuilder::new()
///     .layer(layer)
///     .service_fn(|request: http::Request<http_body_util::Full<bytes::Bytes>>| async move {
///         let verified = request.extensions().get::<snap_http::Verified>().cloned();
///         Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Full::<bytes::Bytes>::from(
///             format!("{:?}", verified.map(|v| v.client_id().to_string())),
///         )))
///     });
/// # drop(service);
/// # Ok::<(), snap_http::Error>(())
/// ```
#[derive(Clone)]
pub struct VerifyLayer {
    config: Arc<VerifyConfig>,
    service: ServiceCode,
}

impl std::fmt::Debug for VerifyLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyLayer")
            .field("service", &self.service)
            .field("partners", &self.config.partners.len())
            .finish_non_exhaustive()
    }
}

impl VerifyLayer {
    /// Verification for the endpoint of `service` (its code is in every refusal), of requests
    /// from `partners` with tokens of `tokens`. The system clock, a ±5 minute window, a 64 KiB
    /// body limit and a 10 s body deadline; change them with the `with_*` methods.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when a partner lacks the key its mode needs or an id is registered twice.
    pub fn new(
        service: ServiceCode,
        partners: impl IntoIterator<Item = Partner>,
        tokens: impl TokenIssuer,
    ) -> Result<Self, Error> {
        let config = VerifyConfig {
            partners: Arc::new(Partners::new(partners)?),
            tokens: Arc::new(tokens),
            clock: Arc::new(SystemClock),
            window: time::Duration::minutes(5),
            body_limit: 64 * 1024,
            body_timeout: Duration::from_secs(10),
            signed_prefix: String::new(),
        };
        Ok(Self::from_config(Arc::new(config), service))
    }

    /// Like [`VerifyLayer::new`] with a random-key [`JwtTokenIssuer`] (asymmetric partners only
    /// need no tokens).
    ///
    /// # Errors
    ///
    /// As [`VerifyLayer::new`], and [`Error::Token`] when the random source fails.
    pub fn without_tokens(
        service: ServiceCode,
        partners: impl IntoIterator<Item = Partner>,
    ) -> Result<Self, Error> {
        Self::new(service, partners, JwtTokenIssuer::random()?)
    }

    pub(crate) fn from_config(config: Arc<VerifyConfig>, service: ServiceCode) -> Self {
        Self { config, service }
    }

    /// The clock `X-TIMESTAMP` and the Jakarta date are judged by.
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        Arc::make_mut(&mut self.config).clock = Arc::new(clock);
        self
    }

    /// How far `X-TIMESTAMP` may be from the clock, either way.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a window too large to represent.
    pub fn with_timestamp_window(mut self, window: Duration) -> Result<Self, Error> {
        Arc::make_mut(&mut self.config).window = self::window(window)?;
        Ok(self)
    }

    /// The largest accepted body in bytes.
    #[must_use]
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        Arc::make_mut(&mut self.config).body_limit = bytes;
        self
    }

    /// How long the whole body may take to arrive.
    #[must_use]
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        Arc::make_mut(&mut self.config).body_timeout = timeout;
        self
    }

    /// A prefix the client signed but that is not in the path this service sees (a reverse
    /// proxy stripped it): prepended to the path when checking signatures. axum's `nest` and
    /// `nest_service` need no setting with the `axum` feature, which reads axum's `OriginalUri`.
    #[must_use]
    pub fn with_signed_path_prefix(mut self, prefix: &str) -> Self {
        Arc::make_mut(&mut self.config).signed_prefix = prefix.trim_end_matches('/').to_owned();
        self
    }
}

impl<S> tower::Layer<S> for VerifyLayer {
    type Service = Verify<S>;

    fn layer(&self, inner: S) -> Verify<S> {
        Verify {
            inner,
            config: Arc::clone(&self.config),
            service: self.service,
        }
    }
}

/// The service of [`VerifyLayer`].
#[derive(Clone)]
pub struct Verify<S> {
    inner: S,
    config: Arc<VerifyConfig>,
    service: ServiceCode,
}

impl<S> std::fmt::Debug for Verify<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verify")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl<S, B, ResB> tower::Service<Request<B>> for Verify<S>
where
    S: tower::Service<Request<Full<Bytes>>, Response = Response<ResB>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    ResB: From<Bytes> + Send + 'static,
{
    type Response = Response<ResB>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response<ResB>, S::Error>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        // Readiness is awaited on the clone that handles the request (below).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let (config, service, inner) = (Arc::clone(&self.config), self.service, self.inner.clone());
        Box::pin(async move {
            // The one clock reading of this request: window, Jakarta date, answer timestamp.
            let now = config.clock.now();
            match verify(&config, service, request, now).await {
                Ok(verified) => inner.oneshot(verified).await,
                Err(rejection) => {
                    tracing::info!(code = %rejection.response_code(service), reason = rejection.detail(), "rejected");
                    let response = rejection.respond(service, response_stamp(now));
                    Ok(response)
                }
            }
        })
    }
}

/// The path and query the client signed: the request's own, or under axum (feature `axum`) the
/// URI before any `nest`/`nest_service` stripped its prefix, after the configured
/// [`VerifyLayer::with_signed_path_prefix`] (what a proxy in front removed).
fn signed_path(config: &VerifyConfig, parts: &http::request::Parts) -> String {
    let uri = original_uri(parts);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    format!("{}{path}", config.signed_prefix)
}

/// The URI as the client sent it to the app: axum's [`OriginalUri`](axum::extract::OriginalUri)
/// when a router put one on the request.
#[cfg(feature = "axum")]
fn original_uri(parts: &http::request::Parts) -> &http::Uri {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |original| &original.0)
}

/// The URI as this service received it (without the `axum` feature nothing records an earlier
/// one).
#[cfg(not(feature = "axum"))]
fn original_uri(parts: &http::request::Parts) -> &http::Uri {
    &parts.uri
}

/// Maps a failed [`snap_crypto::verify_notification`] to its answer.
fn signature_error(e: &snap_crypto::Error) -> Rejection {
    match e {
        snap_crypto::Error::Timestamp(_) => Rejection::Timestamp,
        snap_crypto::Error::Minify(_) => Rejection::BadRequest,
        snap_crypto::Error::WrongKeyType { .. } => Rejection::NoKey,
        _ => Rejection::Signature,
    }
}

/// The verification steps, in the order their refusals are answered: headers, partner, token,
/// channel, body, then window and signature in one call ([`snap_crypto::verify_notification`]).
async fn verify<B>(
    config: &VerifyConfig,
    service: ServiceCode,
    request: Request<B>,
    now: time::OffsetDateTime,
) -> Result<Request<Full<Bytes>>, Rejection>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let (mut parts, body) = request.into_parts();
    let headers = ServiceHeaders::scan(&parts.headers);
    let timestamp: Timestamp = typed_header(headers.timestamp, "X-TIMESTAMP")?;
    let signature = header(headers.signature, "X-SIGNATURE")?;
    let partner_id: PartnerId = typed_header(headers.partner_id, "X-PARTNER-ID")?;
    let external_id: ExternalId = typed_header(headers.external_id, "X-EXTERNAL-ID")?;
    let channel_id: ChannelId = typed_header(headers.channel_id, "CHANNEL-ID")?;
    let span = tracing::Span::current();
    span.record("partner", partner_id.as_str());
    span.record("external_id", external_id.as_str());

    let partner = config
        .partners
        .by_partner_id(&partner_id)
        .ok_or(Rejection::UnknownClient)?;
    let token = match partner.mode {
        SignatureMode::Symmetric => {
            let token = bearer(headers.authorization)?;
            let verified = config
                .tokens
                .verify(token, now)
                .map_err(|_| Rejection::InvalidToken)?;
            if verified.client_id != partner.client_id {
                return Err(Rejection::PartnerMismatch);
            }
            Some(token)
        }
        SignatureMode::Asymmetric => None,
    };
    if !partner.allows_channel(&channel_id) {
        return Err(Rejection::ChannelNotAllowed);
    }
    let length = content_length(headers.content_length);
    let body = body::read_json(body, length, config.body_limit, config.body_timeout).await?;

    let signed_path = signed_path(config, &parts);
    let mut signed = ServiceRequest::new(parts.method.as_str(), &signed_path)
        .with_body(&body)
        .with_timestamp(timestamp.as_str())
        .with_options(partner.options);
    if let Some(token) = token {
        signed = signed.with_token(token);
    }
    // Every registered partner has the key its mode needs (checked when it was registered).
    let verifier = partner.notification_verifier().ok_or(Rejection::NoKey)?;
    let verified =
        snap_crypto::verify_notification(&signed, signature, verifier, now, config.window)
            .map_err(|e| signature_error(&e))?;

    // The endpoint as routed: the path this service saw, without the query.
    let endpoint = parts.uri.path().to_owned();
    let fingerprint = Fingerprint::new(&endpoint, verified.body_digest());
    let key = ReplayKey::new(partner_id, external_id, jakarta_date(now));
    let received = ReceivedRequest::new(service, key, endpoint, fingerprint, timestamp, now, body)
        .with_channel_id(channel_id);
    let body = received.body.clone();
    let client_id = partner.client_id.clone();
    parts.extensions.insert(Verified {
        client_id,
        received: Arc::new(received),
    });
    Ok(Request::from_parts(parts, Full::new(body)))
}

/// A [`Verify`] whose refusals and inner answers are plain SNAP responses (what
/// [`SnapServer`](crate::SnapServer) routes to).
pub(crate) type VerifiedRoute = Verify<
    tower::util::BoxCloneSyncService<Request<Full<Bytes>>, Response<Full<Bytes>>, Infallible>,
>;
