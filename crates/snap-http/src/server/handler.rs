//! What user code plugs in: handlers that get a verified, typed request and answer with an
//! [`Outcome`].

use std::borrow::Cow;
use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::uri::PathAndQuery;
use http::{Method, Request, Response};
use http_body_util::Full;
use snap_types::{
    Case, ChannelId, ExternalId, PartnerId, ResponseCode, ServiceCode, SnapRequest, Timestamp,
};

use crate::error::BoxError;
use crate::rejection::{NO_SERVICE, Rejection};
use crate::response::{Fields, body_json, http_response, response_stamp, status_of};
use crate::server::replay::{BoxFuture, ReceivedRequest, ReplayKey};
use crate::server::verify::Verified;

/// What a handler decided: success (with the endpoint's typed response body, or none), or a SNAP
/// business answer (`404xx12 Invalid Bill/Virtual Account`, `404xx13 Invalid Amount`,
/// `404xx14 Paid Bill`, `409xx01`, ...).
#[derive(Debug, Clone)]
pub struct Outcome(Decision);

#[derive(Debug, Clone)]
enum Decision {
    Success(Fields),
    Business(Business),
    /// A success body that did not serialize to a JSON object: answered `500xx00`.
    Unserializable(String),
}

impl From<Business> for Outcome {
    fn from(business: Business) -> Self {
        Self(Decision::Business(business))
    }
}

/// A business answer: its code (a standard case, or a code of your own) and message.
#[derive(Debug, Clone)]
struct Business {
    code: BusinessCode,
    fields: Fields,
}

#[derive(Debug, Clone)]
enum BusinessCode {
    Case(Case, String),
    Code(ResponseCode, String),
}

impl Business {
    /// The response code and message for an endpoint of `service`.
    fn resolve(&self, service: snap_types::ServiceCode) -> (ResponseCode, String) {
        match &self.code {
            BusinessCode::Case(case, detail) => {
                (ResponseCode::of(*case, service), case.known().fill(detail))
            }
            BusinessCode::Code(code, message) => (*code, message.clone()),
        }
    }
}

impl Outcome {
    /// The code, message and fields this outcome is answered with on an endpoint of `service`.
    fn resolve(
        self,
        service: ServiceCode,
    ) -> Result<(ResponseCode, Cow<'static, str>, Fields), BoxError> {
        Ok(match self.0 {
            Decision::Success(fields) => (
                ResponseCode::of(Case::Successful, service),
                Cow::Borrowed("Successful"),
                fields,
            ),
            Decision::Business(business) => {
                let (code, message) = business.resolve(service);
                (code, Cow::Owned(message), business.fields)
            }
            Decision::Unserializable(reason) => {
                return Err(format!("success body: {reason}").into());
            }
        })
    }

    /// A business answer followed by the members of `body` (as in
    /// [`success_with`](Self::success_with)); on a success, replaces its body.
    #[must_use]
    pub fn with_fields(self, body: impl serde::Serialize) -> Self {
        let fields = match Fields::from_object(&body) {
            Ok(fields) => fields,
            Err(e) => return Self(Decision::Unserializable(e.to_string())),
        };
        match self.0 {
            Decision::Business(business) => {
                Self(Decision::Business(Business { fields, ..business }))
            }
            Decision::Success(_) => Self(Decision::Success(fields)),
            unserializable @ Decision::Unserializable(_) => Self(unserializable),
        }
    }

    /// `200xx00 Successful` with no other field.
    pub fn success() -> Self {
        Self(Decision::Success(Fields::new()))
    }

    /// `200xx00 Successful` followed by the members of `body`: the endpoint's typed response
    /// (`VaPaymentResponse`, whose own `responseCode`/`responseMessage` are replaced by the
    /// server's), a struct of your own, or [`Fields`]. A body that does not serialize to a JSON
    /// object is answered `500xx00` (and not remembered).
    pub fn success_with(body: impl serde::Serialize) -> Self {
        match Fields::from_object(&body) {
            Ok(fields) => Self(Decision::Success(fields)),
            Err(e) => Self(Decision::Unserializable(e.to_string())),
        }
    }

    /// A standard case for this endpoint, its message's placeholder filled with `detail`:
    /// `Outcome::business(Case::InvalidBillVirtualAccount, "not found")` on the VA payment route
    /// answers `404 {"responseCode":"4042512","responseMessage":"Invalid Bill/Virtual Account [not found]"}`.
    pub fn business(case: Case, detail: impl Into<String>) -> Self {
        Self::from(Business {
            code: BusinessCode::Case(case, detail.into()),
            fields: Fields::new(),
        })
    }

    /// An exact code and message (a provider-specific code, a message of your own). The HTTP
    /// status is the code's first three digits.
    pub fn business_code(code: ResponseCode, message: impl Into<String>) -> Self {
        Self::from(Business {
            code: BusinessCode::Code(code, message.into()),
            fields: Fields::new(),
        })
    }
}

/// The verified request around the typed body: who sent it, its SNAP headers, when it arrived
/// and its replay key. Cloning is cheap (the received facts are shared).
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub(crate) client_id: PartnerId,
    pub(crate) received: Arc<ReceivedRequest>,
    pub(crate) method: Method,
    /// The path and query of the request URI as received (moved here, not copied).
    pub(crate) path: Option<PathAndQuery>,
}

impl RequestContext {
    /// The verified partner's client id.
    pub fn client_id(&self) -> &PartnerId {
        &self.client_id
    }

    /// The verified `X-PARTNER-ID`.
    pub fn partner_id(&self) -> &PartnerId {
        self.received.partner_id()
    }

    /// `X-EXTERNAL-ID`.
    pub fn external_id(&self) -> &ExternalId {
        self.received.external_id()
    }

    /// `X-TIMESTAMP`, as sent.
    pub fn timestamp(&self) -> &Timestamp {
        &self.received.timestamp
    }

    /// `CHANNEL-ID`, when sent.
    pub fn channel_id(&self) -> Option<&ChannelId> {
        self.received.channel_id.as_ref()
    }

    /// When the server received the request, by its clock: the instant that decided the
    /// timestamp window and the Jakarta date of the [`replay_key`](Self::replay_key). Handlers
    /// use it instead of reading a clock of their own.
    pub fn received_at(&self) -> time::OffsetDateTime {
        self.received.received_at
    }

    /// The key this request holds a claim on: partner, endpoint, X-EXTERNAL-ID, Jakarta date.
    pub fn replay_key(&self) -> &ReplayKey {
        &self.received.key
    }

    /// Everything the server received and verified, as the replay store gets it.
    pub fn received(&self) -> &ReceivedRequest {
        &self.received
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path and query as received.
    pub fn path(&self) -> &str {
        self.path.as_ref().map_or("/", PathAndQuery::as_str)
    }

    /// The body bytes exactly as received (what the signature covers, before minifying).
    pub fn body(&self) -> &Bytes {
        &self.received.body
    }
}

/// The result of a handler: an [`Outcome`], or an error answered with `500xx00 General Error`
/// (and not remembered, so the provider's retry is handled again).
pub type HandlerResult = Result<Outcome, BoxError>;

/// A handler for requests of type `T`. Async closures and functions
/// `Fn(RequestContext, T) -> impl Future<Output = Result<Outcome, E>>` are mounted directly by the
/// builder; implement this trait for handlers that are types of their own.
pub trait Handler<T>: Send + Sync + 'static {
    /// Handles one verified, validated request.
    fn call(&self, context: RequestContext, request: T) -> BoxFuture<'static, HandlerResult>;
}

/// Adapts an async closure to [`Handler`].
pub(crate) struct FnHandler<F, Fut, E>(pub(crate) F, pub(crate) PhantomData<fn() -> (Fut, E)>);

impl<T, F, Fut, E> Handler<T> for FnHandler<F, Fut, E>
where
    F: Fn(RequestContext, T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Outcome, E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    fn call(&self, context: RequestContext, request: T) -> BoxFuture<'static, HandlerResult> {
        let fut = (self.0)(context, request);
        Box::pin(async move { fut.await.map_err(Into::into) })
    }
}

/// A handler that gets a clone of `state` with every request (like axum's `State`): an async
/// function `fn(S, RequestContext, T) -> Result<Outcome, E>` plus the state it works on, mounted
/// with [`SnapServerBuilder::mount_handler`](crate::SnapServerBuilder::mount_handler) or
/// [`route_handler`](crate::SnapServerBuilder::route_handler).
///
/// ```
/// use std::sync::Arc;
/// use snap_http::{BoxError, Outcome, RequestContext, SnapServer, with_state};
/// use snap_types::VaPaymentNotification;
///
/// #[derive(Clone, Default)]
/// struct Shop { paid: Arc<std::sync::Mutex<Vec<String>>> }
///
/// async fn on_payment(shop: Shop, _: RequestContext, va: VaPaymentNotification) -> Result<Outcome, BoxError> {
///     shop.paid.lock().map_err(|_| "poisoned")?.push(va.trx_id);
///     Ok(Outcome::success())
/// }
///
/// let builder = SnapServer::builder().mount_handler(with_state(Shop::default(), on_payment));
/// # drop(builder);
/// ```
pub fn with_state<S, F>(state: S, handler: F) -> WithState<S, F> {
    WithState { state, handler }
}

/// The handler of [`with_state`].
#[derive(Clone)]
pub struct WithState<S, F> {
    state: S,
    handler: F,
}

impl<S, F> std::fmt::Debug for WithState<S, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithState").finish_non_exhaustive()
    }
}

impl<T, S, F, Fut, E> Handler<T> for WithState<S, F>
where
    S: Clone + Send + Sync + 'static,
    F: Fn(S, RequestContext, T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Outcome, E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    fn call(&self, context: RequestContext, request: T) -> BoxFuture<'static, HandlerResult> {
        let fut = (self.handler)(self.state.clone(), context, request);
        Box::pin(async move { fut.await.map_err(Into::into) })
    }
}

/// A [`Handler`] as a tower service over the typed request: the last step of a route. Its
/// answer is the SNAP body of the [`Outcome`]; a handler error is the service's error (the
/// idempotency step in front answers it `500xx00` and releases the claim).
pub(crate) struct HandlerService<T, H> {
    handler: Arc<H>,
    _request: PhantomData<fn(T)>,
}

impl<T, H> HandlerService<T, H> {
    pub(crate) fn new(handler: H) -> Self {
        Self {
            handler: Arc::new(handler),
            _request: PhantomData,
        }
    }
}

impl<T, H> Clone for HandlerService<T, H> {
    fn clone(&self) -> Self {
        Self {
            handler: Arc::clone(&self.handler),
            _request: PhantomData,
        }
    }
}

impl<T, H> tower::Service<Request<T>> for HandlerService<T, H>
where
    T: Send + 'static,
    H: Handler<T>,
{
    type Response = Response<Full<Bytes>>;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Response<Full<Bytes>>, BoxError>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<T>) -> Self::Future {
        let (mut parts, typed) = request.into_parts();
        let Some(verified) = parts.extensions.remove::<Verified>() else {
            return Box::pin(std::future::ready(Err(
                "a SNAP handler needs a VerifyLayer in front of it".into(),
            )));
        };
        let received = Arc::clone(verified.shared());
        let context = RequestContext {
            client_id: verified.client_id().clone(),
            received: Arc::clone(&received),
            method: parts.method,
            path: parts.uri.into_parts().path_and_query,
        };
        let call = self.handler.call(context, typed);
        Box::pin(async move {
            let outcome = call.await?;
            let (code, message, fields) = outcome.resolve(received.service)?;
            let body = body_json(code, &message, &fields);
            Ok(http_response(
                status_of(code),
                body,
                response_stamp(received.received_at),
            ))
        })
    }
}

/// The route step that parses the verified body into the route's type `T` (a refused body is
/// answered `400xx01`/`400xx02` here, before any claim, so it is not remembered).
pub(crate) struct Parse<T, S> {
    inner: S,
    _request: PhantomData<fn() -> T>,
}

impl<T, S> Parse<T, S> {
    pub(crate) fn new(inner: S) -> Self {
        Self {
            inner,
            _request: PhantomData,
        }
    }
}

impl<T, S: Clone> Clone for Parse<T, S> {
    fn clone(&self) -> Self {
        Self::new(self.inner.clone())
    }
}

impl<T, S> tower::Service<Request<Full<Bytes>>> for Parse<T, S>
where
    T: SnapRequest + Send + 'static,
    S: tower::Service<
            Request<T>,
            Response = Response<Full<Bytes>>,
            Error = Infallible,
            Future = BoxFuture<'static, Result<Response<Full<Bytes>>, Infallible>>,
        > + Clone
        + Send
        + 'static,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response<Full<Bytes>>, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Full<Bytes>>) -> Self::Future {
        let Some(received) = request
            .extensions()
            .get::<Verified>()
            .map(|v| Arc::clone(v.shared()))
        else {
            tracing::error!("a SNAP route needs a VerifyLayer in front of it");
            return Box::pin(std::future::ready(Ok(
                Rejection::Internal.respond(NO_SERVICE, None)
            )));
        };
        match snap_types::parse_request::<T>(&received.body) {
            Ok(typed) => {
                // The service made ready by `poll_ready` handles the request; a clone takes its
                // place for the next one.
                let ready = self.inner.clone();
                std::mem::replace(&mut self.inner, ready).call(request.map(|_| typed))
            }
            Err(e) => {
                let rejection = Rejection::from_request_error(&e);
                let service = received.service;
                tracing::info!(code = %rejection.response_code(service), reason = rejection.detail(), "rejected");
                let response = rejection.respond(service, response_stamp(received.received_at));
                Box::pin(std::future::ready(Ok(response)))
            }
        }
    }
}
