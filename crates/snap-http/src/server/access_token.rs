//! The B2B access-token endpoint (service 73): an RSA-signed `clientId|X-TIMESTAMP` in, a bearer
//! token out.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body::Body;
use http_body_util::Full;
use snap_crypto::AuthRequest;
use snap_types::{AccessTokenRequest, Case, PartnerId, ResponseCode, ServiceCode, Timestamp};

use crate::error::BoxError;
use crate::headers::{X_CLIENT_KEY, X_SIGNATURE, X_TIMESTAMP};
use crate::rejection::Rejection;
use crate::response::{Fields, body_json, http_response, response_stamp};
use crate::server::body;
use crate::server::replay::BoxFuture;
use crate::server::request_headers::{content_length, header, typed_header};
use crate::server::verify::VerifyConfig;

/// The access-token endpoint as a tower service: checks the partner's RSA signature of
/// `X-CLIENT-KEY|X-TIMESTAMP` and the request body, then issues a token with the server's
/// [`TokenIssuer`](crate::TokenIssuer). Part of every [`SnapServer`](crate::SnapServer) that
/// mounts a token path; [`SnapServer::access_token_service`](crate::SnapServer::access_token_service)
/// gives it for mounting elsewhere.
#[derive(Clone)]
pub struct AccessTokenService {
    config: Arc<VerifyConfig>,
}

impl std::fmt::Debug for AccessTokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokenService").finish_non_exhaustive()
    }
}

impl AccessTokenService {
    pub(crate) fn new(config: Arc<VerifyConfig>) -> Self {
        Self { config }
    }
}

impl<B> tower::Service<Request<B>> for AccessTokenService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response<Full<Bytes>>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let config = Arc::clone(&self.config);
        Box::pin(async move {
            let now = config.clock.now();
            let stamp = response_stamp(now);
            let service = ServiceCode::ACCESS_TOKEN_B2B;
            Ok(match issue(&config, request, now).await {
                Ok(body) => http_response(StatusCode::OK, body, stamp),
                Err(rejection) => {
                    tracing::info!(code = %rejection.response_code(service), reason = rejection.detail(), "rejected");
                    rejection.respond(service, stamp)
                }
            })
        })
    }
}

/// Headers, partner, window, signature, body, then the token.
async fn issue<B>(
    config: &VerifyConfig,
    request: Request<B>,
    now: time::OffsetDateTime,
) -> Result<Bytes, Rejection>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let timestamp: Timestamp = typed_header(headers.get(&X_TIMESTAMP), "X-TIMESTAMP")?;
    let client_id: PartnerId = typed_header(headers.get(&X_CLIENT_KEY), "X-CLIENT-KEY")?;
    let signature = header(headers.get(&X_SIGNATURE), "X-SIGNATURE")?;
    tracing::Span::current().record("partner", client_id.as_str());
    let partner = config
        .partners
        .by_client_id(&client_id)
        .ok_or(Rejection::UnknownClient)?;
    snap_crypto::check_window(timestamp.datetime(), now, config.window)
        .map_err(|_| Rejection::Timestamp)?;
    let key = partner.public_key.as_deref().ok_or(Rejection::NoKey)?;
    let signed = AuthRequest::new(client_id.as_str()).with_timestamp(timestamp.as_str());
    snap_crypto::verify_auth(&signed, signature, key).map_err(|e| match e {
        snap_crypto::Error::WrongKeyType { .. } => Rejection::NoKey,
        _ => Rejection::Signature,
    })?;
    let length = content_length(headers.get(http::header::CONTENT_LENGTH));
    let body = body::read_json(body, length, config.body_limit, config.body_timeout).await?;
    snap_types::parse_request::<AccessTokenRequest>(&body)
        .map_err(|e| Rejection::from_request_error(&e))?;
    let issued = config.tokens.issue(client_id.as_str(), now).map_err(|e| {
        tracing::error!(error = %e, "token issuer failed");
        Rejection::Internal
    })?;
    let fields = Fields::new()
        .with("accessToken", &issued.token)
        .and_then(|f| f.with("tokenType", &"Bearer"))
        .and_then(|f| f.with("expiresIn", &issued.expires_in.to_string()))
        .and_then(|f| f.with("additionalInfo", &serde_json::Map::new()))
        .map_err(|e| {
            tracing::error!(error = %e, "token answer not serializable");
            Rejection::Internal
        })?;
    let code = ResponseCode::of(Case::Successful, ServiceCode::ACCESS_TOKEN_B2B);
    tracing::info!("access token issued");
    Ok(body_json(code, "Successful", &fields))
}
