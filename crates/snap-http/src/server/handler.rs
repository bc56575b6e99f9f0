//! What user code plugs in: handlers that get a verified, typed request and answer with an
//! [`Outcome`].

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use bytes::Bytes;
use http::uri::PathAndQuery;
use http::{Method, StatusCode};
use snap_types::{
    Case, ChannelId, ExternalId, PartnerId, RequestError, ResponseCode, SnapRequest, Timestamp,
};

use crate::error::BoxError;
use crate::rejection::Rejection;
use crate::response::Fields;
use crate::server::Inner;
use crate::server::replay::{BoxFuture, ReceivedRequest, ReplayKey};

/// What a handler decided.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Outcome {
    /// Processed: `200xx00 Successful` followed by these fields (e.g. `virtualAccountData`).
    Success(Fields),
    /// A SNAP business answer (`404xx12 Invalid Bill/Virtual Account`, `404xx13 Invalid Amount`,
    /// `404xx14 Paid Bill`, `409xx01`, ...), optionally with fields.
    Business(Business),
}

/// A business answer: its code (a standard case, or a code of your own) and message.
#[derive(Debug, Clone)]
pub struct Business {
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
    pub(crate) fn resolve(&self, service: snap_types::ServiceCode) -> (ResponseCode, String) {
        match &self.code {
            BusinessCode::Case(case, detail) => {
                (ResponseCode::of(*case, service), case.known().fill(detail))
            }
            BusinessCode::Code(code, message) => (*code, message.clone()),
        }
    }

    pub(crate) fn fields(&self) -> &Fields {
        &self.fields
    }

    /// Adds fields after `responseCode` and `responseMessage`.
    #[must_use]
    pub fn with_fields(mut self, fields: Fields) -> Self {
        self.fields = fields;
        self
    }
}

impl Outcome {
    /// `200xx00 Successful` with no other field.
    pub fn success() -> Self {
        Self::Success(Fields::new())
    }

    /// `200xx00 Successful` followed by `fields`.
    pub fn success_with(fields: Fields) -> Self {
        Self::Success(fields)
    }

    /// A standard case for this endpoint, its message's placeholder filled with `detail`:
    /// `Outcome::business(Case::InvalidBillVirtualAccount, "not found")` on the VA payment route
    /// answers `404 {"responseCode":"4042512","responseMessage":"Invalid Bill/Virtual Account [not found]"}`.
    pub fn business(case: Case, detail: impl Into<String>) -> Self {
        Self::Business(Business {
            code: BusinessCode::Case(case, detail.into()),
            fields: Fields::new(),
        })
    }

    /// An exact code and message (a provider-specific code, a message of your own). The HTTP
    /// status is the code's first three digits.
    pub fn business_code(code: ResponseCode, message: impl Into<String>) -> Self {
        Self::Business(Business {
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

/// The boxed handling of one verified request: claim, handler, answer (see
/// [`Inner::claimed_handling`]); a panic inside is caught and comes out as `Err`.
pub(crate) type Handling =
    BoxFuture<'static, std::thread::Result<Result<(StatusCode, Bytes), Rejection>>>;

/// A typed route with the request type erased, so routes of different types share one table.
pub(crate) trait ErasedRoute: Send + Sync {
    /// Parses and validates the body of `context` into the route's request type, then builds
    /// the handling that hands it to the route's handler once the replay claim is held.
    fn start(&self, server: Arc<Inner>, context: RequestContext) -> Result<Handling, RequestError>;
}

pub(crate) struct TypedRoute<T, H> {
    pub(crate) handler: Arc<H>,
    pub(crate) _request: PhantomData<fn() -> T>,
}

impl<T, H> ErasedRoute for TypedRoute<T, H>
where
    T: SnapRequest + Send + 'static,
    H: Handler<T>,
{
    fn start(&self, server: Arc<Inner>, context: RequestContext) -> Result<Handling, RequestError> {
        let request = parse::<T>(context.body())?;
        let handler = Arc::clone(&self.handler);
        let call = move |context| handler.call(context, request);
        Ok(server.claimed_handling(call, context))
    }
}

/// The body as a validated `T`.
fn parse<T: SnapRequest>(body: &[u8]) -> Result<T, RequestError> {
    // Fast path: plain serde_json over text (the server refused bodies that are not UTF-8).
    // Only a refused body pays for the path-tracking parse that names the bad field (same
    // verdict, since both run the same Deserialize impls).
    let plain = std::str::from_utf8(body)
        .ok()
        .and_then(|text| serde_json::from_str::<T>(text).ok());
    match plain {
        Some(request) => {
            request.validate()?;
            Ok(request)
        }
        None => snap_types::parse_request::<T>(body),
    }
}
