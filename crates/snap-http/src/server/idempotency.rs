//! Idempotency by X-EXTERNAL-ID (per partner per Jakarta day) over a [`ReplayStore`]: an
//! identical retry gets the original answer, another request with the same id `409xx00`, and
//! concurrent duplicates one handler call.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt as _;
use http::{Request, Response, StatusCode};
use http_body::Body;
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;
use tracing::Instrument as _;

use crate::error::BoxError;
use crate::rejection::{NO_SERVICE, Rejection};
use crate::response::{http_response, response_stamp};
use crate::server::replay::{
    BoxFuture, Claim, MemoryReplayStore, ReceivedRequest, ReplayStore, StoredResponse,
};
use crate::server::verify::Verified;

/// What an identical retry (same partner, X-EXTERNAL-ID, day and request) gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum DuplicatePolicy {
    /// The original answer again (the default): a provider retrying after a timeout is not told it
    /// failed. Concurrent identical requests wait for the first one's answer.
    #[default]
    Replay,
    /// `409xx00 Conflict`, as the standard's table reads literally.
    Reject,
}

/// A tower [`Layer`](tower::Layer) that makes the service behind it idempotent by X-EXTERNAL-ID.
/// It sits behind a [`VerifyLayer`](crate::VerifyLayer), whose [`Verified`] extension names the
/// key; a request without it is answered `500xx00` (the stack is mis-assembled).
///
/// Answers below 500 are remembered (the store gets the request and the answer together); a 5xx,
/// an error or a panic of the inner service releases the claim, so the provider's retry is
/// handled afresh. Once a claim is held, a client that hangs up does not abandon the handling.
#[derive(Clone)]
pub struct IdempotencyLayer {
    config: Arc<IdempotencyConfig>,
}

#[derive(Clone)]
pub(crate) struct IdempotencyConfig {
    pub(crate) store: Arc<dyn ReplayStore>,
    pub(crate) policy: DuplicatePolicy,
    pub(crate) in_progress_wait: Duration,
}

impl std::fmt::Debug for IdempotencyLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdempotencyLayer")
            .field("policy", &self.config.policy)
            .field("in_progress_wait", &self.config.in_progress_wait)
            .finish_non_exhaustive()
    }
}

impl Default for IdempotencyLayer {
    fn default() -> Self {
        Self::new(MemoryReplayStore::new())
    }
}

impl IdempotencyLayer {
    /// Claims in `store`, replaying identical retries, waiting up to 30 s for a concurrent one.
    pub fn new(store: impl ReplayStore) -> Self {
        Self::with_store_arc(Arc::new(store))
    }

    /// Like [`IdempotencyLayer::new`] for a store you keep a handle on.
    pub fn with_store_arc(store: Arc<dyn ReplayStore>) -> Self {
        Self::from_config(Arc::new(IdempotencyConfig {
            store,
            policy: DuplicatePolicy::Replay,
            in_progress_wait: Duration::from_secs(30),
        }))
    }

    pub(crate) fn from_config(config: Arc<IdempotencyConfig>) -> Self {
        Self { config }
    }

    /// What identical retries get.
    #[must_use]
    pub fn with_duplicate_policy(mut self, policy: DuplicatePolicy) -> Self {
        Arc::make_mut(&mut self.config).policy = policy;
        self
    }

    /// How long an identical request waits for a concurrent one (then `500xx00`, so the provider
    /// retries later).
    #[must_use]
    pub fn with_in_progress_wait(mut self, wait: Duration) -> Self {
        Arc::make_mut(&mut self.config).in_progress_wait = wait;
        self
    }
}

impl<S> tower::Layer<S> for IdempotencyLayer {
    type Service = Idempotency<S>;

    fn layer(&self, inner: S) -> Idempotency<S> {
        Idempotency {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The service of [`IdempotencyLayer`].
#[derive(Clone)]
pub struct Idempotency<S> {
    inner: S,
    config: Arc<IdempotencyConfig>,
}

impl<S> std::fmt::Debug for Idempotency<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idempotency").finish_non_exhaustive()
    }
}

impl<S, B, ResB> tower::Service<Request<B>> for Idempotency<S>
where
    S: tower::Service<Request<B>, Response = Response<ResB>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: Send + 'static,
    ResB: Body + From<Bytes> + Send + 'static,
    ResB::Data: Send,
    ResB::Error: Into<BoxError>,
{
    type Response = Response<ResB>;
    type Error = std::convert::Infallible;
    type Future = BoxFuture<'static, Result<Response<ResB>, std::convert::Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Readiness is awaited on the clone that handles the request.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let (config, inner) = (Arc::clone(&self.config), self.inner.clone());
        let Some(received) = request
            .extensions()
            .get::<Verified>()
            .map(|v| Arc::clone(v.shared()))
        else {
            tracing::error!("IdempotencyLayer needs a VerifyLayer in front of it");
            let response = Rejection::Internal.respond(NO_SERVICE, None);
            return Box::pin(std::future::ready(Ok(response)));
        };
        Box::pin(async move {
            let service = received.service;
            let stamp = response_stamp(received.received_at);
            let (status, body) = match claimed_call(config, received, inner, request).await {
                Ok(answer) => answer,
                Err(rejection) => {
                    tracing::info!(code = %rejection.response_code(service), reason = rejection.detail(), "rejected");
                    let response = rejection.respond(service, stamp);
                    return Ok(response);
                }
            };
            Ok(http_response(status, body, stamp))
        })
    }
}

/// Claims the key, then runs the inner service and remembers its answer.
async fn claimed_call<S, B, ResB>(
    config: Arc<IdempotencyConfig>,
    received: Arc<ReceivedRequest>,
    inner: S,
    request: Request<B>,
) -> Result<(StatusCode, Bytes), Rejection>
where
    S: tower::Service<Request<B>, Response = Response<ResB>> + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: Send + 'static,
    ResB: Body + Send + 'static,
    ResB::Data: Send,
    ResB::Error: Into<BoxError>,
{
    let store = &config.store;
    // Set when a first wait starts: most claims never wait.
    let mut deadline = None;
    loop {
        let claim = store
            .claim(&received.key, received.fingerprint)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "replay store claim failed");
                Rejection::Internal
            })?;
        match claim {
            Claim::New => break,
            Claim::Duplicate(_) | Claim::InProgress if config.policy == DuplicatePolicy::Reject => {
                return Err(Rejection::Conflict);
            }
            Claim::Duplicate(stored) => {
                tracing::info!("identical retry: replaying the stored answer");
                let status = StatusCode::from_u16(stored.status).map_err(|_| {
                    tracing::error!(status = stored.status, "stored answer has no valid status");
                    Rejection::Internal
                })?;
                return Ok((status, stored.body));
            }
            Claim::Conflict => return Err(Rejection::Conflict),
            Claim::InProgress => {
                let deadline = *deadline
                    .get_or_insert_with(|| tokio::time::Instant::now() + config.in_progress_wait);
                if tokio::time::timeout_at(deadline, store.wait(&received.key))
                    .await
                    .is_err()
                {
                    tracing::warn!("identical request still in progress after the wait limit");
                    return Err(Rejection::Internal);
                }
            }
        }
    }
    // From here the claim is held: the handling runs to its end even if the client hangs up
    // (see `RunToCompletion`), and a panic inside releases the claim.
    let handling = async move {
        let answer = AssertUnwindSafe(async move {
            let response = inner.oneshot(request).await.map_err(Into::into)?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(Into::into)?.to_bytes();
            Ok::<_, BoxError>((parts.status, body))
        })
        .catch_unwind()
        .await;
        let (status, body) = match answer {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "handler failed");
                release(&config, &received).await;
                return Err(Rejection::Internal);
            }
            Err(_) => {
                tracing::error!("handler panicked");
                release(&config, &received).await;
                return Err(Rejection::Internal);
            }
        };
        if status.is_server_error() {
            release(&config, &received).await;
        } else {
            let stored = StoredResponse {
                status: status.as_u16(),
                body: body.clone(),
            };
            if let Err(e) = config.store.complete(&received, stored).await {
                // The answer still goes out; a retry may be handled twice, which the handler must
                // tolerate anyway when the store is down.
                tracing::error!(error = %e, "replay store complete failed");
            }
        }
        tracing::info!(status = status.as_u16(), "handled");
        Ok((status, body))
    };
    RunToCompletion(Some(Box::pin(handling.in_current_span()))).await
}

/// Polls the claimed handling in the request's own task; if the request is dropped first (the
/// client hung up), what is left of it is spawned, so the claim is still completed or released.
struct RunToCompletion<T: Send + 'static>(Option<BoxFuture<'static, T>>);

impl<T: Send + 'static> std::future::Future for RunToCompletion<T> {
    type Output = T;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let Some(handling) = self.0.as_mut() else {
            // Polled again after it finished: a contract violation of the caller; stay pending.
            return Poll::Pending;
        };
        let output = std::task::ready!(handling.as_mut().poll(cx));
        self.0 = None;
        Poll::Ready(output)
    }
}

impl<T: Send + 'static> Drop for RunToCompletion<T> {
    fn drop(&mut self) {
        if let Some(handling) = self.0.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(handling);
        }
    }
}

async fn release(config: &IdempotencyConfig, received: &ReceivedRequest) {
    if let Err(e) = config.store.release(&received.key).await {
        tracing::error!(error = %e, "replay store release failed");
    }
}
