//! Configuration of a [`SnapServer`].

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use http::Method;
use snap_crypto::{Clock, SystemClock};
use snap_types::{
    DebitNotification, QrMpmNotification, ServiceCode, SnapRequest, VaPaymentNotification,
};

use crate::Error;
use crate::error::{BoxError, ConfigError, ConfigErrorKind, ConfigField};
use crate::server::access_token::AccessTokenService;
use crate::server::handler::{FnHandler, Handler, Outcome, RequestContext};
use crate::server::idempotency::{DuplicatePolicy, IdempotencyConfig, IdempotencyLayer};
use crate::server::jwt::{JwtTokenIssuer, TokenIssuer};
use crate::server::partner::Partners;
use crate::server::replay::{MemoryReplayStore, ReplayStore};
use crate::server::routes::{Endpoint, Route, RouteStack, Routes, typed_stack};
use crate::server::verify::{VerifyConfig, VerifyLayer, window};
use crate::server::{Inner, Partner, SnapServer};

/// Builds a route's typed steps once the server's idempotency settings are known.
type StackBuilder = Box<dyn FnOnce(&IdempotencyLayer) -> RouteStack + Send>;

/// Builder of a [`SnapServer`]; start with [`SnapServer::builder`].
///
/// Defaults: no prefix, the access-token route mounted, a [`JwtTokenIssuer`] with a random key
/// (tokens valid on this instance only: set [`token_issuer`](Self::token_issuer) with a shared key
/// for several instances), the system clock, a [`MemoryReplayStore`], a ±5 minute timestamp
/// window, a 64 KiB body limit, a 10 s body deadline (answered `400xx00 Bad Request`), and a 30 s
/// wait for a concurrent identical request (answered `500xx00 General Error` if exceeded, so the
/// provider retries later).
pub struct SnapServerBuilder {
    prefix: String,
    signed_prefix: String,
    token_path: Option<String>,
    partners: Vec<Partner>,
    tokens: Option<Arc<dyn TokenIssuer>>,
    clock: Arc<dyn Clock>,
    replay: Arc<dyn ReplayStore>,
    window: Duration,
    body_limit: usize,
    body_timeout: Duration,
    in_progress_wait: Duration,
    duplicate_policy: DuplicatePolicy,
    routes: Vec<(String, Method, ServiceCode, StackBuilder)>,
}

impl std::fmt::Debug for SnapServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapServerBuilder")
            .field("prefix", &self.prefix)
            .field("partners", &self.partners)
            .field(
                "routes",
                &self.routes.iter().map(|r| &r.0).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// The path of the access-token route after the prefix.
const TOKEN_PATH: &str = "/v1.0/access-token/b2b";

impl SnapServerBuilder {
    pub(crate) fn new() -> Self {
        Self {
            prefix: String::new(),
            signed_prefix: String::new(),
            token_path: Some(TOKEN_PATH.to_owned()),
            partners: Vec::new(),
            tokens: None,
            clock: Arc::new(SystemClock),
            replay: Arc::new(MemoryReplayStore::new()),
            window: Duration::from_secs(300),
            body_limit: 64 * 1024,
            body_timeout: Duration::from_secs(10),
            in_progress_wait: Duration::from_secs(30),
            duplicate_policy: DuplicatePolicy::Replay,
            routes: Vec::new(),
        }
    }

    /// The path prefix every route is mounted under, as the server receives it (`/api` for the
    /// seeds' `[merchant_endpoint]/api/v1.0/...`). No trailing slash.
    #[must_use]
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// A prefix the client signed but that is not in the path this server sees: prepended to the
    /// received path when checking signatures (a proxy maps `/merchant/api/...` to `/api/...`:
    /// set `/merchant`). For axum's `nest_service("/api", server)` enable the `axum` feature
    /// instead: signatures are then checked over axum's `OriginalUri`, and this prefix is added
    /// in front of that.
    #[must_use]
    pub fn signed_path_prefix(mut self, prefix: &str) -> Self {
        self.signed_prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// Where the access-token route is mounted after the prefix (default
    /// `/v1.0/access-token/b2b`), or `None` for no token route (all partners asymmetric, or
    /// tokens issued elsewhere with a shared [`TokenIssuer`] key).
    #[must_use]
    pub fn token_path(mut self, path: Option<&str>) -> Self {
        self.token_path = path.map(str::to_owned);
        self
    }

    /// Registers a partner.
    #[must_use]
    pub fn partner(mut self, partner: Partner) -> Self {
        self.partners.push(partner);
        self
    }

    /// The token issuer (default: [`JwtTokenIssuer::random`]).
    #[must_use]
    pub fn token_issuer(mut self, issuer: impl TokenIssuer) -> Self {
        self.tokens = Some(Arc::new(issuer));
        self
    }

    /// The clock (default: the system clock).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The replay store (default: [`MemoryReplayStore`]).
    #[must_use]
    pub fn replay_store(mut self, store: impl ReplayStore) -> Self {
        self.replay = Arc::new(store);
        self
    }

    /// Like [`replay_store`](Self::replay_store) for a store you keep a handle on.
    #[must_use]
    pub fn replay_store_arc(mut self, store: Arc<dyn ReplayStore>) -> Self {
        self.replay = store;
        self
    }

    /// How far X-TIMESTAMP may be from the clock, either way (default 5 minutes).
    #[must_use]
    pub fn timestamp_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// The largest accepted body in bytes (default 64 KiB).
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How long the whole body may take to arrive (default 10 s).
    #[must_use]
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// How long an identical request waits for a concurrent one to finish (default 30 s).
    #[must_use]
    pub fn in_progress_wait(mut self, wait: Duration) -> Self {
        self.in_progress_wait = wait;
        self
    }

    /// What identical retries get (default [`DuplicatePolicy::Replay`]).
    #[must_use]
    pub fn duplicate_policy(mut self, policy: DuplicatePolicy) -> Self {
        self.duplicate_policy = policy;
        self
    }

    /// Mounts a handler for `T` at `path` (after the prefix) for `method`.
    #[must_use]
    pub fn route_handler<T, H>(mut self, method: Method, path: &str, handler: H) -> Self
    where
        T: SnapRequest + Send + 'static,
        H: Handler<T>,
    {
        let stack: StackBuilder =
            Box::new(move |idempotency| typed_stack::<T, H>(idempotency, handler));
        self.routes
            .push((path.to_owned(), method, T::SERVICE, stack));
        self
    }

    /// Mounts an async function for `T` at `path` (after the prefix) for `method`.
    #[must_use]
    pub fn route<T, F, Fut, E>(self, method: Method, path: &str, handler: F) -> Self
    where
        T: SnapRequest + Send + 'static,
        F: Fn(RequestContext, T) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Outcome, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        self.route_handler::<T, _>(method, path, FnHandler(handler, PhantomData))
    }

    /// Mounts an async function for `T` at its standard place: `/v1.0` + the service's path, with
    /// the service's method (`POST /v1.0/transfer-va/payment` for service 25).
    #[must_use]
    pub fn mount<T, F, Fut, E>(self, handler: F) -> Self
    where
        T: SnapRequest + Send + 'static,
        F: Fn(RequestContext, T) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Outcome, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let (method, path) = standard_place(T::SERVICE);
        self.route::<T, F, Fut, E>(method, &path, handler)
    }

    /// Mounts a [`Handler`] for `T` (one of your own, or [`with_state`](crate::with_state)) at its
    /// standard place, like [`mount`](Self::mount).
    #[must_use]
    pub fn mount_handler<T, H>(self, handler: H) -> Self
    where
        T: SnapRequest + Send + 'static,
        H: Handler<T>,
    {
        let (method, path) = standard_place(T::SERVICE);
        self.route_handler::<T, H>(method, &path, handler)
    }

    /// The VA payment notification (service 25): `POST {prefix}/v1.0/transfer-va/payment`.
    #[must_use]
    pub fn va_payment<F, Fut, E>(self, handler: F) -> Self
    where
        F: Fn(RequestContext, VaPaymentNotification) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Outcome, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        self.mount::<VaPaymentNotification, F, Fut, E>(handler)
    }

    /// The direct-debit payment notification (service 56): `POST {prefix}/v1.0/debit/notify`.
    #[must_use]
    pub fn debit_notify<F, Fut, E>(self, handler: F) -> Self
    where
        F: Fn(RequestContext, DebitNotification) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Outcome, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        self.mount::<DebitNotification, F, Fut, E>(handler)
    }

    /// The QR MPM payment notification (service 52): `POST {prefix}/v1.0/qr/qr-mpm-notify`.
    #[must_use]
    pub fn qr_mpm_notify<F, Fut, E>(self, handler: F) -> Self
    where
        F: Fn(RequestContext, QrMpmNotification) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Outcome, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        self.mount::<QrMpmNotification, F, Fut, E>(handler)
    }

    /// Checks the configuration and builds the service.
    ///
    /// # Errors
    ///
    /// [`Error::Config`]: a partner without the key its mode needs, an id registered twice, a
    /// path without a leading `/` or taken twice, a window too large to represent.
    pub fn build(self) -> Result<SnapServer, Error> {
        let tokens = match self.tokens {
            Some(tokens) => tokens,
            None => Arc::new(JwtTokenIssuer::random()?),
        };
        let verify = Arc::new(VerifyConfig {
            partners: Arc::new(Partners::new(self.partners)?),
            tokens,
            clock: self.clock,
            window: window(self.window)?,
            body_limit: self.body_limit,
            body_timeout: self.body_timeout,
            signed_prefix: self.signed_prefix,
        });
        let idempotency = Arc::new(IdempotencyConfig {
            store: self.replay,
            policy: self.duplicate_policy,
            in_progress_wait: self.in_progress_wait,
        });
        let idempotency_layer = IdempotencyLayer::from_config(Arc::clone(&idempotency));
        let mut routes = Routes::default();
        let mut add = |path: String, route: Route| {
            let path_error = |kind| ConfigError::new(ConfigField::RoutePath, kind).about(&path);
            if !path.starts_with('/') {
                let kind = ConfigErrorKind::Invalid("must start with /".into());
                return Err(path_error(kind));
            }
            if !routes.insert(path.clone(), route) {
                return Err(path_error(ConfigErrorKind::Duplicate));
            }
            Ok(())
        };
        if let Some(token_path) = &self.token_path {
            let route = Route {
                method: Method::POST,
                service: ServiceCode::ACCESS_TOKEN_B2B,
                endpoint: Endpoint::AccessToken(AccessTokenService::new(Arc::clone(&verify))),
            };
            add(format!("{}{token_path}", self.prefix), route)?;
        }
        for (path, method, service, stack) in self.routes {
            use tower::Layer as _;
            let verified = VerifyLayer::from_config(Arc::clone(&verify), service)
                .layer(stack(&idempotency_layer));
            let route = Route {
                method,
                service,
                endpoint: Endpoint::Service(Box::new(verified)),
            };
            add(format!("{}{path}", self.prefix), route)?;
        }
        Ok(SnapServer {
            inner: Arc::new(Inner {
                routes,
                verify,
                idempotency,
            }),
        })
    }
}

/// `/v1.0` + the standard path suffix, and the standard method (POST when unknown).
fn standard_place(service: ServiceCode) -> (Method, String) {
    match service.info() {
        Some(info) => (
            Method::from_bytes(info.method.as_bytes()).unwrap_or(Method::POST),
            format!("/v1.0{}", info.path_suffix),
        ),
        None => (Method::POST, format!("/v1.0/service-{service}")),
    }
}
