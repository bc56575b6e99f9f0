//! The route table: which path and method reach the access-token service or which verified,
//! idempotent, typed handler.

use std::collections::HashMap;
use std::convert::Infallible;

use bytes::Bytes;
use http::{Method, Request, Response};
use http_body_util::Full;
use snap_types::{ServiceCode, SnapRequest};
use tower::util::BoxCloneSyncService;

use crate::server::access_token::AccessTokenService;
use crate::server::handler::{Handler, HandlerService, Parse};
use crate::server::idempotency::IdempotencyLayer;
use crate::server::verify::VerifiedRoute;

/// The steps of a service route behind verification: parse, claim, handle.
pub(crate) type RouteStack =
    BoxCloneSyncService<Request<Full<Bytes>>, Response<Full<Bytes>>, Infallible>;

/// The typed steps of a route for `T`: parse the body, then the handler behind idempotency.
pub(crate) fn typed_stack<T, H>(idempotency: &IdempotencyLayer, handler: H) -> RouteStack
where
    T: SnapRequest + Send + 'static,
    H: Handler<T>,
{
    use tower::Layer as _;
    let handle = idempotency.layer(HandlerService::<T, H>::new(handler));
    BoxCloneSyncService::new(Parse::<T, _>::new(handle))
}

/// What a route leads to.
#[derive(Clone)]
pub(crate) enum Endpoint {
    AccessToken(AccessTokenService),
    Service(Box<VerifiedRoute>),
}

/// One mounted route.
#[derive(Clone)]
pub(crate) struct Route {
    pub(crate) method: Method,
    pub(crate) service: ServiceCode,
    pub(crate) endpoint: Endpoint,
}

/// Routes by full path (exact match).
#[derive(Clone, Default)]
pub(crate) struct Routes {
    by_path: HashMap<String, Route>,
}

impl Routes {
    /// Adds a route; `false` when the path is taken.
    pub(crate) fn insert(&mut self, path: String, route: Route) -> bool {
        match self.by_path.entry(path) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(route);
                true
            }
        }
    }

    pub(crate) fn find(&self, path: &str) -> Option<&Route> {
        self.by_path.get(path)
    }

    /// Every route, sorted by path.
    pub(crate) fn list(&self) -> Vec<RouteInfo> {
        let mut routes: Vec<_> = self
            .by_path
            .iter()
            .map(|(path, route)| RouteInfo {
                method: route.method.clone(),
                path: path.clone(),
                service: route.service,
            })
            .collect();
        routes.sort_by(|a, b| a.path.cmp(&b.path));
        routes
    }
}

/// A route a [`SnapServer`](crate::SnapServer) answers: mount each in an axum app with
/// `route_service(info.path(), server.clone())`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    method: Method,
    path: String,
    service: ServiceCode,
}

impl RouteInfo {
    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The full path, prefix included (`/api/v1.0/transfer-va/payment`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The endpoint's service code.
    pub fn service(&self) -> ServiceCode {
        self.service
    }
}
