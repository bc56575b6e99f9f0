//! The merchant-side SNAP server, as a pipeline of named steps: [`routes`] finds the endpoint,
//! [`verify`] checks headers, token, window and signature, the typed route parses the body,
//! [`idempotency`] claims the X-EXTERNAL-ID, the [`handler`] answers, the [`replay`] store
//! remembers. The access-token endpoint is [`access_token`] with [`jwt`] tokens.

mod access_token;
mod body;
mod builder;
mod handler;
mod idempotency;
mod jwt;
mod partner;
mod replay;
mod request_headers;
#[cfg(fuzzing)]
pub(crate) use request_headers::fuzz_check as request_headers_fuzz_check;
mod routes;
mod serve;
mod verify;

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;
use snap_types::ServiceCode;
use tower::ServiceExt as _;
use tracing::Instrument as _;

pub use access_token::AccessTokenService;
pub use builder::SnapServerBuilder;
pub use handler::{Handler, HandlerResult, Outcome, RequestContext, WithState, with_state};
pub use idempotency::{DuplicatePolicy, Idempotency, IdempotencyLayer};
pub use jwt::{
    DEFAULT_TOKEN_LIFETIME_SECS, InvalidToken, IssuedToken, JwtTokenIssuer, TokenIssuer,
    VerifiedToken,
};
pub use partner::{Partner, SignatureMode};
pub use replay::{
    BoxFuture, Claim, Fingerprint, MemoryReplayStore, ReceivedRequest, ReplayKey, ReplayStore,
    StoredResponse,
};
pub use routes::RouteInfo;
pub use serve::serve;
pub use verify::{Verified, Verify, VerifyLayer};

use crate::error::BoxError;
use crate::rejection::{NO_SERVICE, Rejection};
use crate::response::response_stamp;
use idempotency::IdempotencyConfig;
use routes::{Endpoint, Routes};
use verify::VerifyConfig;

/// The merchant side of SNAP as a `tower::Service<http::Request<B>>` for any body type `B`: the
/// access-token endpoint and the typed routes, each behind [`VerifyLayer`] and
/// [`IdempotencyLayer`]. Build it with [`SnapServer::builder`]; clones share everything.
///
/// Every answer is a SNAP JSON body with `Content-Type: application/json` and `X-TIMESTAMP`; the
/// service never fails (`Error = Infallible`) and never answers a client mistake with a 5xx.
///
/// In an axum app, mount it per route (`for r in server.routes() { app = app.route_service(r.path(), server.clone()) }`),
/// as the `fallback_service`, or with `nest_service("/api", server)`. Under `nest_service` the
/// server routes the path without the nest's prefix (like any nested service), while the
/// provider signed the full path: enable the `axum` feature, with which signatures are checked
/// over axum's `OriginalUri`. Without it a nested server refuses every signature.
#[derive(Clone)]
pub struct SnapServer {
    inner: Arc<Inner>,
}

struct Inner {
    routes: Routes,
    verify: Arc<VerifyConfig>,
    idempotency: Arc<IdempotencyConfig>,
}

impl std::fmt::Debug for SnapServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapServer")
            .field("routes", &self.inner.routes.list())
            .field("partners", &self.inner.verify.partners.len())
            .finish_non_exhaustive()
    }
}

impl SnapServer {
    /// Starts a configuration.
    pub fn builder() -> SnapServerBuilder {
        SnapServerBuilder::new()
    }

    /// The routes this server answers, sorted by path.
    pub fn routes(&self) -> Vec<RouteInfo> {
        self.inner.routes.list()
    }

    /// A [`VerifyLayer`] for an endpoint of your own (with `service`'s code in its refusals) that
    /// verifies with this server's partners, tokens, clock and limits.
    pub fn verify_layer(&self, service: ServiceCode) -> VerifyLayer {
        VerifyLayer::from_config(Arc::clone(&self.inner.verify), service)
    }

    /// An [`IdempotencyLayer`] over this server's replay store and policy.
    pub fn idempotency_layer(&self) -> IdempotencyLayer {
        IdempotencyLayer::from_config(Arc::clone(&self.inner.idempotency))
    }

    /// The access-token endpoint of this server, to mount on a path of your own.
    pub fn access_token_service(&self) -> AccessTokenService {
        AccessTokenService::new(Arc::clone(&self.inner.verify))
    }

    /// Answers one request (what `Service::call` does).
    pub async fn handle<B>(&self, request: Request<B>) -> Response<Full<Bytes>>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        match route(&self.inner, request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }
}

/// Finds the request's route and hands the request to it: the route's own answer, or a refusal
/// for a path or method the server does not serve.
fn route<B>(
    inner: &Inner,
    request: Request<B>,
) -> BoxFuture<'static, Result<Response<Full<Bytes>>, Infallible>>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let refuse = |rejection: Rejection, service: ServiceCode| {
        tracing::info!(code = %rejection.response_code(service), reason = rejection.detail(), "rejected");
        let response = rejection.respond(service, response_stamp(inner.verify.clock.now()));
        Box::pin(std::future::ready(Ok(response)))
    };
    let Some(route) = inner.routes.find(request.uri().path()) else {
        tracing::debug!(path = request.uri().path(), "no SNAP route");
        return refuse(Rejection::NotFound, NO_SERVICE);
    };
    if request.method() != route.method {
        return refuse(Rejection::MethodNotAllowed, route.service);
    }
    let span = tracing::info_span!(
        "snap_request",
        service = %route.service,
        partner = tracing::field::Empty,
        external_id = tracing::field::Empty,
    );
    match &route.endpoint {
        Endpoint::AccessToken(token) => Box::pin(token.clone().oneshot(request).instrument(span)),
        Endpoint::Service(verified) => {
            Box::pin((**verified).clone().oneshot(request).instrument(span))
        }
    }
}

impl<B> tower::Service<Request<B>> for SnapServer
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        route(&self.inner, request)
    }
}
