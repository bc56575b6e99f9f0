//! `SnapClient`: token manager + signing layer + transport, and the typed operations.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use serde::de::DeserializeOwned;
use snap_crypto::{Clock, ExternalIdGenerator, SystemClock};
use snap_types::{
    AccessToken, CreateVaRequest, CreateVaResponse, ExternalId, QrMpmGenerateRequest,
    QrMpmGenerateResponse, QrMpmQueryRequest, QrMpmQueryResponse, QrMpmRefundRequest,
    QrMpmRefundResponse, ResponseCode, ServiceCode, SnapRequest, StatusResponse, parse_body,
};
use tower::{Layer, ServiceExt};

use crate::client::config::ClientConfig;
use crate::client::error::ClientError;
use crate::client::sign::{SigningLayer, SigningService, value};
use crate::client::token::{TokenLayer, TokenManager, TokenService};
use crate::client::transport::HttpTransport;
use crate::error::{ConfigError, ConfigErrorKind, ConfigField};
use crate::headers::X_EXTERNAL_ID;

/// Per-call settings for [`SnapClient::call_with`] and [`SnapClient::call_raw`].
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    external_id: Option<ExternalId>,
    path: Option<String>,
}

impl CallOptions {
    /// No overrides: a generated X-EXTERNAL-ID and the profile's path.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends this X-EXTERNAL-ID instead of a generated one (reusing one the same day makes the
    /// provider answer `409xx00 Conflict`).
    #[must_use]
    pub fn with_external_id(mut self, id: ExternalId) -> Self {
        self.external_id = Some(id);
        self
    }

    /// Sends to this path (relative to the base URL, query string allowed) instead of the
    /// profile's path for the service.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
}

/// A provider's answer whose body carries a `responseCode` and `responseMessage`, success or
/// not, with the body bytes exactly as received.
#[derive(Debug, Clone)]
pub struct SnapReply {
    http_status: u16,
    headers: HeaderMap,
    response_code: ResponseCode,
    response_message: String,
    body: Bytes,
    external_id: Option<ExternalId>,
}

impl SnapReply {
    /// Reads an HTTP answer: its body must be a JSON object with `responseCode` and
    /// `responseMessage`, else [`ClientError::MalformedResponse`].
    pub(crate) fn from_response(
        response: Response<Bytes>,
        external_id: Option<ExternalId>,
    ) -> Result<Self, ClientError> {
        let (parts, body) = response.into_parts();
        let http_status = parts.status.as_u16();
        let status: StatusResponse = serde_json::from_slice(&body).map_err(|e| {
            ClientError::malformed(
                http_status,
                format!("body is not a SNAP response ({e}): {}", excerpt(&body)),
            )
        })?;
        Ok(Self {
            http_status,
            headers: parts.headers,
            response_code: status.response_code,
            response_message: status.response_message,
            body,
            external_id,
        })
    }

    /// The HTTP status.
    pub fn http_status(&self) -> u16 {
        self.http_status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// `responseCode`.
    pub fn response_code(&self) -> ResponseCode {
        self.response_code
    }

    /// `responseMessage`.
    pub fn response_message(&self) -> &str {
        &self.response_message
    }

    /// The body exactly as received.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The X-EXTERNAL-ID the request was sent with (none for token requests).
    pub fn external_id(&self) -> Option<&ExternalId> {
        self.external_id.as_ref()
    }

    /// Whether the `responseCode` is 2xx.
    pub fn is_success(&self) -> bool {
        self.response_code.is_success()
    }

    /// `Ok` for a 2xx `responseCode` with a 2xx HTTP status; [`ClientError::Rejected`] for a
    /// non-2xx code; [`ClientError::MalformedResponse`] for a 2xx code under a non-2xx status.
    pub fn into_success(self) -> Result<Self, ClientError> {
        let http_ok = (200..300).contains(&self.http_status);
        match (self.response_code.is_success(), http_ok) {
            (true, true) => Ok(self),
            (true, false) => Err(ClientError::malformed(
                self.http_status,
                format!(
                    "success responseCode {} under HTTP {}",
                    self.response_code, self.http_status
                ),
            )),
            (false, _) => Err(ClientError::Rejected {
                code: self.response_code,
                message: self.response_message,
                http_status: self.http_status,
            }),
        }
    }

    /// Parses the body as `T`; a missing or mistyped field is a
    /// [`ClientError::MalformedResponse`] naming it.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ClientError> {
        parse_body(&self.body)
            .map_err(|e| ClientError::malformed(self.http_status, format!("unexpected body: {e}")))
    }
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(120).collect();
    if text.chars().count() > 120 {
        out.push('…');
    }
    out
}

struct Inner {
    config: ClientConfig,
    tokens: Arc<TokenManager>,
    service: TokenService<SigningService<HttpTransport>>,
    clock: Arc<dyn Clock>,
    ids: ExternalIdGenerator,
}

/// A SNAP client for one provider and one set of credentials. Cloning is cheap (one `Arc`):
/// clones share the connection pool and the token.
///
/// - Tokens: fetched with the auth signature on first use, cached, refreshed `token_skew` before
///   expiry, one fetch at a time however many calls wait. A call answered `401xx01 Invalid Token
///   (B2B)` drops the token, fetches a new one and is sent once more, with the same
///   X-EXTERNAL-ID; nothing else is ever retried.
/// - The stack: [`TokenLayer`](crate::TokenLayer), then [`SigningLayer`], then [`HttpTransport`].
/// - Results: the typed response on a 2xx `responseCode`, [`ClientError::Rejected`] otherwise;
///   transport failures, timeouts and malformed answers are their own variants.
///
/// ```no_run
/// use snap_crypto::{ClientSecret, RsaPrivateKey};
/// use snap_http::{ClientConfig, ProviderProfile, SnapClient};
/// use snap_types::QrMpmQueryRequest;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let config = ClientConfig::builder()
///     .base_url("https://api.example.com")
///     .client_id("FINPAY-PARTNER-ID".parse()?)
///     .channel_id("12345".parse()?)
///     .private_key(RsaPrivateKey::from_file("private.pem")?)
///     .client_secret(ClientSecret::from_file("client.secret")?)
///     .profile(ProviderProfile::finpay())
///     .build()?;
/// let client = SnapClient::new(config)?;
/// let status = client
///     .query_qr(&QrMpmQueryRequest {
///         original_reference_no: Some("weoOiX7RIjSBA31QGcUxrJLyaKFH0z5T".into()),
///         ..Default::default()
///     })
///     .await?;
/// println!("{:?}", status.transaction_status);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SnapClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for SnapClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl SnapClient {
    /// A client on the system clock. Fails when the profile's signature mode lacks its key or
    /// TLS cannot be set up.
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A client taking "now" (X-TIMESTAMP, token expiry) from `clock`.
    pub fn with_clock(config: ClientConfig, clock: Arc<dyn Clock>) -> Result<Self, ClientError> {
        config.check()?;
        let transport = HttpTransport::new(&config)?;
        let tokens = TokenLayer::with_clock(&config, transport.clone(), Arc::clone(&clock));
        let signing = SigningLayer::with_clock(&config, Arc::clone(&clock));
        let service = tokens.layer(signing.layer(transport));
        Ok(Self {
            inner: Arc::new(Inner {
                tokens: Arc::clone(tokens.manager()),
                config,
                service,
                clock,
                ids: ExternalIdGenerator::new(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Create virtual account (service 27).
    pub async fn create_va(
        &self,
        request: &CreateVaRequest,
    ) -> Result<CreateVaResponse, ClientError> {
        self.call(request).await
    }

    /// Generate a QRIS (service 47). A `qrContent` in the answer is parsed with snap-qris and
    /// its CRC checked ([`ClientError::InvalidQris`]); an answer with none of `qrContent`,
    /// `qrUrl`, `qrImage` is a [`ClientError::MalformedResponse`].
    pub async fn generate_qr(
        &self,
        request: &QrMpmGenerateRequest,
    ) -> Result<QrMpmGenerateResponse, ClientError> {
        let body = serde_json::to_vec(request).map_err(ClientError::Serialize)?;
        let reply = self
            .call_raw(
                ServiceCode::QR_MPM_GENERATE,
                Bytes::from(body),
                &CallOptions::new(),
            )
            .await?
            .into_success()?;
        let response = reply.parse()?;
        check_qr(&response, reply.http_status)?;
        Ok(response)
    }

    /// Query a QRIS payment (service 51).
    pub async fn query_qr(
        &self,
        request: &QrMpmQueryRequest,
    ) -> Result<QrMpmQueryResponse, ClientError> {
        self.call(request).await
    }

    /// Refund a QRIS payment (service 78).
    pub async fn refund_qr(
        &self,
        request: &QrMpmRefundRequest,
    ) -> Result<QrMpmRefundResponse, ClientError> {
        self.call(request).await
    }

    /// Any SNAP service: `R::SERVICE` picks the profile's path, the answer is parsed as
    /// `R::Response`.
    pub async fn call<R: SnapRequest>(&self, request: &R) -> Result<R::Response, ClientError> {
        self.call_with(request, &CallOptions::new()).await
    }

    /// [`SnapClient::call`] with per-call options.
    pub async fn call_with<R: SnapRequest>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<R::Response, ClientError> {
        let body = serde_json::to_vec(request).map_err(ClientError::Serialize)?;
        let reply = self
            .call_raw(R::SERVICE, Bytes::from(body), options)
            .await?;
        reply.into_success()?.parse()
    }

    /// Sends `body` exactly as given (signed over these bytes) to the service's path, and returns
    /// any answer that carries a `responseCode`, rejections included (use
    /// [`SnapReply::into_success`] to turn those into errors).
    pub async fn call_raw(
        &self,
        service: ServiceCode,
        body: Bytes,
        options: &CallOptions,
    ) -> Result<SnapReply, ClientError> {
        let config = &self.inner.config;
        let path = match &options.path {
            Some(path) => path.clone(),
            None => config
                .profile
                .path(service)
                .ok_or_else(|| {
                    let missing =
                        ConfigError::new(ConfigField::ServicePath, ConfigErrorKind::Missing);
                    ClientError::Config(
                        missing.about(format!("service {service} of {}", config.profile.name())),
                    )
                })?
                .into_owned(),
        };
        let external_id = match &options.external_id {
            Some(id) => id.clone(),
            None => {
                let id = self.inner.ids.next_id_with(self.inner.clock.as_ref());
                // Generated ids are numeric and short: always valid.
                id.parse().map_err(|_| {
                    ClientError::transport(std::io::Error::other("bad generated X-EXTERNAL-ID"))
                })?
            }
        };
        let mut request = Request::new(body);
        *request.method_mut() = config.profile.method(service);
        *request.uri_mut() = config.url(&path)?;
        request
            .headers_mut()
            .insert(X_EXTERNAL_ID, value(external_id.as_str())?);
        let response = self.inner.service.clone().oneshot(request).await?;
        SnapReply::from_response(response, Some(external_id))
    }

    /// The cached access token, fetched first if there is none or it is due for refresh.
    ///
    /// # Errors
    ///
    /// As the token request: transport, timeout, a rejection, a malformed answer.
    pub async fn access_token(&self) -> Result<AccessToken, ClientError> {
        self.inner.tokens.token().await
    }

    /// Fetches a new token now (whatever is cached), caches it on success, and returns the
    /// provider's answer, rejections included.
    ///
    /// # Errors
    ///
    /// Transport, timeout, or an answer that is not a SNAP response.
    pub async fn fetch_token(&self) -> Result<SnapReply, ClientError> {
        self.inner.tokens.fetch().await
    }
}

/// Checks the QRIS payload of a generate answer.
fn check_qr(response: &QrMpmGenerateResponse, http_status: u16) -> Result<(), ClientError> {
    let non_empty = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
    if non_empty(&response.qr_content) {
        let content = response.qr_content.as_deref().unwrap_or_default();
        let payload = snap_qris::parse(content)
            .map_err(|e| ClientError::InvalidQris(snap_qris::Error::Parse(e)))?;
        payload.check_crc().map_err(ClientError::InvalidQris)?;
        return Ok(());
    }
    if non_empty(&response.qr_url) || non_empty(&response.qr_image) {
        return Ok(());
    }
    Err(ClientError::malformed(
        http_status,
        "generate answer has no qrContent, qrUrl or qrImage",
    ))
}
