//! The merchant-side SNAP server: a `tower::Service` that verifies and routes SNAP requests.

mod body;
mod builder;
mod handler;
mod partner;
mod replay;
mod request_headers;
mod serve;
mod signature;
mod token;

use std::borrow::Cow;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt as _;
use futures_util::future::Either;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::Full;
use snap_crypto::{Clock, TimestampStyle, format_timestamp};
use snap_types::{
    AccessTokenRequest, Case, ChannelId, ExternalId, PartnerId, RequestError, ResponseCode,
    ServiceCode, Timestamp,
};
use std::panic::AssertUnwindSafe;
use tracing::Instrument as _;

pub use builder::{DuplicatePolicy, SnapServerBuilder};
pub use handler::{Business, Handler, HandlerResult, Outcome, RequestContext};
pub use partner::{Partner, SignatureMode};
pub use replay::{
    BoxFuture, Claim, Fingerprint, JAKARTA, MemoryReplayStore, ReceivedRequest, ReplayKey,
    ReplayStore, StoredResponse, jakarta_date,
};
pub use serve::serve;
pub use token::{
    DEFAULT_TOKEN_LIFETIME_SECS, InvalidToken, IssuedToken, JwtTokenIssuer, TokenIssuer,
    VerifiedToken,
};

use crate::error::BoxError;
use crate::headers::{X_CLIENT_KEY, X_SIGNATURE, X_TIMESTAMP};
use crate::rejection::Rejection;
use crate::response::{Fields, body_json, http_response, status_of, success_body};
use handler::{ErasedRoute, Handling};
use request_headers::{ServiceHeaders, bearer, header, typed_header};

/// The service code answered when no route matched (`4040002 Invalid Routing`).
const NO_SERVICE: ServiceCode = match ServiceCode::new(0) {
    Some(code) => code,
    None => ServiceCode::ACCESS_TOKEN_B2B,
};

/// The merchant side of SNAP as a `tower::Service<http::Request<B>>` for any body type `B`: the
/// access-token endpoint, signature / token / timestamp verification, idempotency by
/// X-EXTERNAL-ID and typed handlers. Build it with [`SnapServer::builder`]; clones share
/// everything (an `Arc` inside).
///
/// Every answer is a SNAP JSON body with `Content-Type: application/json` and `X-TIMESTAMP`; the
/// service never fails (`Error = Infallible`) and never answers a client mistake with a 5xx.
#[derive(Clone)]
pub struct SnapServer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SnapServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut routes: Vec<_> = self.inner.paths.keys().collect();
        routes.sort();
        f.debug_struct("SnapServer")
            .field("routes", &routes)
            .field("partners", &self.inner.by_client.len())
            .finish_non_exhaustive()
    }
}

pub(crate) struct Route {
    pub(crate) method: Method,
    pub(crate) service: ServiceCode,
    pub(crate) kind: RouteKind,
}

pub(crate) enum RouteKind {
    AccessToken,
    Service(Arc<dyn ErasedRoute>),
}

/// Locks a map of the server's state. Every update of those maps is one insert, remove or clear,
/// so a map whose lock was poisoned by a panic is still consistent and stays usable.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The maps of the request path: foldhash with a per-process random seed (SipHash costs more than
/// the lookups are worth here; the keys come from configuration or from authenticated partners).
pub(crate) type Map<K, V> = HashMap<K, V, foldhash::quality::RandomState>;

pub(crate) struct Inner {
    /// Route ids by full path: indexes into `routes`.
    pub(crate) paths: Map<String, usize>,
    pub(crate) routes: Vec<Route>,
    pub(crate) by_client: Map<String, Arc<Partner>>,
    pub(crate) by_partner: Map<String, Arc<Partner>>,
    pub(crate) tokens: Arc<dyn TokenIssuer>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) replay: Arc<dyn ReplayStore>,
    pub(crate) window: time::Duration,
    pub(crate) body_limit: usize,
    pub(crate) body_timeout: Duration,
    pub(crate) in_progress_wait: Duration,
    pub(crate) duplicate_policy: DuplicatePolicy,
    pub(crate) signed_prefix: String,
}

impl SnapServer {
    /// Starts a configuration.
    pub fn builder() -> SnapServerBuilder {
        SnapServerBuilder::new()
    }

    /// Answers one request (what `Service::call` does).
    pub async fn handle<B>(&self, request: Request<B>) -> Response<Full<Bytes>>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        Arc::clone(&self.inner).handle(request).await
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
        Box::pin(Arc::clone(&self.inner).handle(request).map(Ok))
    }
}

fn request_error(e: &RequestError) -> Rejection {
    match e.field_error() {
        Some(field) => Rejection::InvalidField {
            kind: field.kind(),
            path: field.path().to_owned(),
        },
        None => Rejection::BadRequest,
    }
}

fn signature_error(e: &snap_crypto::Error) -> Rejection {
    match e {
        snap_crypto::Error::Minify(_) => Rejection::BadRequest,
        snap_crypto::Error::WrongKeyType { .. } => Rejection::NoKey,
        _ => Rejection::Signature,
    }
}

impl Inner {
    /// Routes one request and answers it. Routing is done before the future is built, and each
    /// route's work is a future of its own that owns what it needs: `async fn` arguments are kept
    /// twice in the state machine, and this future is boxed on every request.
    fn handle<B>(
        self: Arc<Self>,
        request: Request<B>,
    ) -> impl Future<Output = Response<Full<Bytes>>> + Send + 'static
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let now = self.clock.now();
        let stamp = response_stamp(now);
        let found = self
            .paths
            .get(request.uri().path())
            .and_then(|&id| Some((id, self.routes.get(id)?)));
        // Combinators, not an `async` block: a block would keep the route's future twice.
        let (service, answer) = match found {
            None => {
                tracing::debug!(path = request.uri().path(), "no SNAP route");
                let refused = std::future::ready(Err(Rejection::NotFound));
                (NO_SERVICE, Either::Left(Either::Left(refused)))
            }
            Some((_, route)) if request.method() != route.method => {
                let refused = std::future::ready(Err(Rejection::MethodNotAllowed));
                (route.service, Either::Left(Either::Left(refused)))
            }
            Some((id, route)) => {
                let (service, token) =
                    (route.service, matches!(route.kind, RouteKind::AccessToken));
                let span = tracing::info_span!(
                    "snap_request",
                    service = %service,
                    partner = tracing::field::Empty,
                    external_id = tracing::field::Empty,
                );
                let answer = if token {
                    // Once per partner per 15 minutes: boxed, so it does not size every request.
                    let issued = Box::pin(async move { self.access_token(request, now).await });
                    Either::Left(Either::Right(issued.instrument(span)))
                } else {
                    Either::Right(self.service(id, request, now).instrument(span))
                };
                (service, answer)
            }
        };
        answer.map(move |result| match result {
            Ok((status, body)) => http_response(status, body, Some(stamp)),
            Err(rejection) => {
                tracing::info!(code = %rejection.response_code(service), reason = rejection.detail(), "rejected");
                rejection.respond(service, Some(stamp))
            }
        })
    }

    fn check_window(
        &self,
        timestamp: &Timestamp,
        now: time::OffsetDateTime,
    ) -> Result<(), Rejection> {
        snap_crypto::check_window(timestamp.datetime(), now, self.window)
            .map_err(|_| Rejection::Timestamp)
    }

    fn read_body<B>(
        &self,
        body: B,
        content_length: Option<&HeaderValue>,
    ) -> impl Future<Output = Result<Bytes, Rejection>> + use<B>
    where
        B: Body,
        B::Error: Into<BoxError>,
    {
        let read = body::read_limited(
            body,
            request_headers::content_length(content_length),
            self.body_limit,
            self.body_timeout,
        );
        async move {
            let body = read.await?;
            // JSON is UTF-8 (RFC 8259): a body with a bad byte anywhere, even inside a value no
            // DTO reads, is refused before any handler or store sees it.
            std::str::from_utf8(&body).map_err(|_| Rejection::BadRequest)?;
            Ok(body)
        }
    }

    /// `POST {prefix}/v1.0/access-token/b2b` (service 73).
    async fn access_token<B>(
        &self,
        request: Request<B>,
        now: time::OffsetDateTime,
    ) -> Result<(StatusCode, Bytes), Rejection>
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
        let partner = self
            .by_client
            .get(client_id.as_str())
            .ok_or(Rejection::UnknownClient)?;
        self.check_window(&timestamp, now)?;
        let key = partner.public_key.as_deref().ok_or(Rejection::NoKey)?;
        snap_crypto::verify_auth(key, client_id.as_str(), timestamp.as_str(), signature)
            .map_err(|e| signature_error(&e))?;
        let body = self
            .read_body(body, headers.get(http::header::CONTENT_LENGTH))
            .await?;
        snap_types::parse_request::<AccessTokenRequest>(&body).map_err(|e| request_error(&e))?;
        let issued = self.tokens.issue(client_id.as_str(), now).map_err(|e| {
            tracing::error!(error = %e, "token issuer failed");
            Rejection::Internal
        })?;
        let fields = Fields::new()
            .with("accessToken", &issued.token)
            .and_then(|f| f.with("tokenType", &"Bearer"))
            .and_then(|f| f.with("expiresIn", &issued.expires_in.to_string()))
            .and_then(|f| f.with("additionalInfo", &serde_json::Map::new()))
            .map_err(|_| Rejection::Internal)?;
        let code = ResponseCode::of(Case::Successful, ServiceCode::ACCESS_TOKEN_B2B);
        tracing::info!("access token issued");
        Ok((StatusCode::OK, body_json(code, "Successful", &fields)))
    }

    /// A verified service call (notification) to a typed handler: headers, body, signature and
    /// DTO here; the claim and the handler in [`Inner::claimed_handling`].
    fn service<B>(
        self: Arc<Self>,
        route: usize,
        request: Request<B>,
        now: time::OffsetDateTime,
    ) -> impl Future<Output = Result<(StatusCode, Bytes), Rejection>> + Send + 'static
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let (parts, body) = request.into_parts();
        async move {
            let Some(Route {
                service,
                kind: RouteKind::Service(typed),
                ..
            }) = self.routes.get(route)
            else {
                // Ids come from `paths` and point at service routes: not reachable.
                return Err(Rejection::NotFound);
            };
            let service = *service;
            let headers = ServiceHeaders::scan(&parts.headers);
            let timestamp: Timestamp = typed_header(headers.timestamp, "X-TIMESTAMP")?;
            let signature = header(headers.signature, "X-SIGNATURE")?;
            let partner_id: PartnerId = typed_header(headers.partner_id, "X-PARTNER-ID")?;
            let external_id: ExternalId = typed_header(headers.external_id, "X-EXTERNAL-ID")?;
            let channel_id: ChannelId = typed_header(headers.channel_id, "CHANNEL-ID")?;
            let span = tracing::Span::current();
            span.record("partner", partner_id.as_str());
            span.record("external_id", external_id.as_str());

            let partner = self
                .by_partner
                .get(partner_id.as_str())
                .ok_or(Rejection::UnknownClient)?;
            let token = match partner.mode {
                SignatureMode::Symmetric => {
                    let token = bearer(headers.authorization)?;
                    let verified = self
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
            if !partner.allows_channel(Some(channel_id.as_str())) {
                return Err(Rejection::ChannelNotAllowed);
            }
            self.check_window(&timestamp, now)?;

            let body = self.read_body(body, headers.content_length).await?;
            let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let signed_path;
            let signed_path: &str = if self.signed_prefix.is_empty() {
                path
            } else {
                signed_path = format!("{}{path}", self.signed_prefix);
                &signed_path
            };
            let method = parts.method.as_str();
            let verified = match token {
                Some(token) => {
                    let secret = partner.client_secret.as_ref().ok_or(Rejection::NoKey)?;
                    signature::verify_symmetric(
                        secret,
                        method,
                        signed_path,
                        token,
                        &body,
                        timestamp.as_str(),
                        signature,
                        &partner.options,
                    )
                }
                None => {
                    let key = partner.public_key.as_deref().ok_or(Rejection::NoKey)?;
                    snap_crypto::verify_asymmetric(
                        key,
                        method,
                        signed_path,
                        &body,
                        timestamp.as_str(),
                        signature,
                        &partner.options,
                    )
                }
            };
            let digest = verified.map_err(|e| signature_error(&e))?;

            // The endpoint as routed: the path the route table matched, without the query.
            let endpoint = parts.uri.path().to_owned();
            let fingerprint = Fingerprint::new(&endpoint, &digest);
            // The header's partner id, which the partner was found by.
            let key = ReplayKey::new(partner_id, external_id, jakarta_date(now));
            let received =
                ReceivedRequest::new(service, key, endpoint, fingerprint, timestamp, now, body)
                    .with_channel_id(channel_id);
            let context = RequestContext {
                client_id: partner.client_id.clone(),
                received: Arc::new(received),
                method: parts.method,
                path: parts.uri.into_parts().path_and_query,
            };
            let handling = typed
                .start(Arc::clone(&self), context)
                .map_err(|e| request_error(&e))?;
            RunToCompletion(Some(handling))
                .await
                .unwrap_or(Err(Rejection::Internal))
        }
    }

    /// Claims the X-EXTERNAL-ID, then runs the handler and remembers its answer. Once the claim is
    /// held, a client hanging up must not abandon the handling half-way (or leave the claim held
    /// forever): this future runs to completion in a task of its own if the request is dropped
    /// first. A panicking handler is answered 500xx00.
    ///
    /// Boxed, since it must outlive a client that hangs up; built by the typed route (which owns
    /// the parsed request that `call` hands to the handler).
    pub(crate) fn claimed_handling<F>(self: Arc<Self>, call: F, context: RequestContext) -> Handling
    where
        F: FnOnce(RequestContext) -> BoxFuture<'static, HandlerResult> + Send + 'static,
    {
        let handling = self.claim_and_call(call, context);
        Box::pin(AssertUnwindSafe(handling).catch_unwind().in_current_span())
    }

    // Not an `async fn`: its arguments would be kept twice in the (boxed) state machine.
    #[allow(clippy::manual_async_fn)]
    fn claim_and_call<F>(
        self: Arc<Self>,
        call: F,
        context: RequestContext,
    ) -> impl Future<Output = Result<(StatusCode, Bytes), Rejection>> + Send + 'static
    where
        F: FnOnce(RequestContext) -> BoxFuture<'static, HandlerResult> + Send + 'static,
    {
        async move {
            // The handler gets the context; the store gets the received facts it shares.
            let received = Arc::clone(&context.received);
            let (service, key) = (received.service, &received.key);
            // Set when a first wait starts: most claims never wait.
            let mut deadline = None;
            loop {
                let claim = self
                    .replay
                    .claim(key, received.fingerprint)
                    .await
                    .map_err(|e| {
                        tracing::error!(error = %e, "replay store claim failed");
                        Rejection::Internal
                    })?;
                match claim {
                    Claim::New => break,
                    Claim::Duplicate(stored) => {
                        if self.duplicate_policy == DuplicatePolicy::Reject {
                            return Err(Rejection::Conflict);
                        }
                        tracing::info!("identical retry: replaying the stored answer");
                        let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
                        return Ok((status, stored.body));
                    }
                    Claim::Conflict => return Err(Rejection::Conflict),
                    Claim::InProgress => {
                        if self.duplicate_policy == DuplicatePolicy::Reject {
                            return Err(Rejection::Conflict);
                        }
                        let deadline = *deadline.get_or_insert_with(|| {
                            tokio::time::Instant::now() + self.in_progress_wait
                        });
                        // Boxed: rare, and its timer would otherwise size every request's future.
                        let wait =
                            Box::pin(tokio::time::timeout_at(deadline, self.replay.wait(key)));
                        if wait.await.is_err() {
                            tracing::warn!(
                                "identical request still in progress after the wait limit"
                            );
                            return Err(Rejection::Internal);
                        }
                    }
                }
            }
            let mut guard = ReleaseOnDrop {
                armed: Some((&self.replay, key)),
            };
            let answer = answer(service, call(context).await);
            guard.disarm();
            let Some((code, status, body)) = answer else {
                self.release(key).await;
                return Err(Rejection::Internal);
            };
            if status.is_server_error() {
                self.release(key).await;
            } else {
                let stored = StoredResponse {
                    status: status.as_u16(),
                    body: body.clone(),
                };
                if let Err(e) = self.replay.complete(&received, stored).await {
                    // The answer still goes out; a retry may be handled twice, which the handler must
                    // tolerate anyway when the store is down.
                    tracing::error!(error = %e, "replay store complete failed");
                }
            }
            tracing::info!(code = %code, "handled");
            Ok((status, body))
        }
    }

    async fn release(&self, key: &ReplayKey) {
        if let Err(e) = self.replay.release(key).await {
            tracing::error!(error = %e, "replay store release failed");
        }
    }
}

/// The code, status and body a handler's result is answered with; `None` when the handler failed
/// (logged here; answered 500xx00 and not remembered).
fn answer(
    service: ServiceCode,
    outcome: HandlerResult,
) -> Option<(ResponseCode, StatusCode, Bytes)> {
    let (code, message, fields) = match &outcome {
        Ok(Outcome::Success(fields)) => (
            ResponseCode::of(Case::Successful, service),
            Cow::Borrowed("Successful"),
            fields,
        ),
        Ok(Outcome::Business(business)) => {
            let (code, message) = business.resolve(service);
            (code, Cow::Owned(message), business.fields())
        }
        Err(e) => {
            tracing::error!(error = %e, "handler failed");
            return None;
        }
    };
    let body = if code == ResponseCode::of(Case::Successful, service)
        && message == "Successful"
        && fields.is_empty()
    {
        success_body(service)
    } else {
        body_json(code, &message, fields)
    };
    Some((code, status_of(code), body))
}

/// Polls a future here; if dropped before it finished, spawns the rest onto the runtime.
struct RunToCompletion<T: Send + 'static>(Option<BoxFuture<'static, T>>);

impl<T: Send + 'static> std::future::Future for RunToCompletion<T> {
    type Output = T;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let Some(future) = self.0.as_mut() else {
            return Poll::Pending; // polled after completion: never ready again
        };
        let output = std::task::ready!(future.as_mut().poll(cx));
        self.0 = None;
        Poll::Ready(output)
    }
}

impl<T: Send + 'static> Drop for RunToCompletion<T> {
    fn drop(&mut self) {
        if let Some(future) = self.0.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(future);
        }
    }
}

/// Releases a claim whose handler panicked, so the provider's retry is handled afresh.
struct ReleaseOnDrop<'a> {
    armed: Option<(&'a Arc<dyn ReplayStore>, &'a ReplayKey)>,
}

impl ReleaseOnDrop<'_> {
    fn disarm(&mut self) {
        self.armed = None;
    }
}

impl Drop for ReleaseOnDrop<'_> {
    fn drop(&mut self) {
        if let Some((store, key)) = self.armed.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let (store, key) = (Arc::clone(store), key.clone());
            runtime.spawn(async move {
                let _ = store.release(&key).await;
            });
        }
    }
}

/// The `X-TIMESTAMP` of an answer at `now` (Jakarta time, seconds): formatted once per second
/// per thread, then shared (a `HeaderValue` clone is a reference count).
fn response_stamp(now: time::OffsetDateTime) -> HeaderValue {
    thread_local! {
        static LAST: std::cell::RefCell<(i64, HeaderValue)> =
            const { std::cell::RefCell::new((i64::MIN, HeaderValue::from_static(""))) };
    }
    let second = now.unix_timestamp();
    let format = || {
        // An RFC 3339 timestamp is visible ASCII, which a header value always accepts.
        HeaderValue::from_maybe_shared(Bytes::from(format_timestamp(now, TimestampStyle::Wib)))
            .unwrap_or_else(|_| HeaderValue::from_static(""))
    };
    LAST.try_with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != second {
            *last = (second, format());
        }
        last.1.clone()
    })
    .unwrap_or_else(|_| format())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_stamp_follows_the_clock() {
        use time::macros::datetime;
        let t = datetime!(2024-08-23 00:45:00.250 UTC);
        assert_eq!(response_stamp(t), "2024-08-23T07:45:00+07:00");
        assert_eq!(response_stamp(t), "2024-08-23T07:45:00+07:00");
        assert_eq!(
            response_stamp(t + time::Duration::milliseconds(500)),
            "2024-08-23T07:45:00+07:00"
        );
        assert_eq!(
            response_stamp(t + time::Duration::seconds(1)),
            "2024-08-23T07:45:01+07:00"
        );
        assert_eq!(
            response_stamp(t - time::Duration::days(1)),
            "2024-08-22T07:45:00+07:00"
        );
    }
}
