//! One snap-http server per partner profile, and the step that hands each request to the server
//! of its partner: a provider's dialect is read only for the partners configured with it, and
//! every other partner is read as the standard's tables say.
//!
//! The partner is found by `X-PARTNER-ID` (notifications) or `X-CLIENT-KEY` (token requests)
//! before anything is verified; that only chooses a server, whose partner list holds the
//! partners of that profile alone, so a request naming a DOKU partner is verified with that
//! partner's keys exactly as any other, and a standard partner never reaches DOKU's reading.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use snap_http::{BoxFuture, SnapServer};

/// The servers of the receiver: the standard one, and DOKU's when a partner is configured with
/// `profile = "doku"`.
#[derive(Clone)]
pub(crate) struct ByProfile {
    standard: SnapServer,
    doku: Option<(SnapServer, Arc<HashSet<String>>)>,
}

impl ByProfile {
    /// Every request goes to `standard`.
    pub(crate) fn new(standard: SnapServer) -> Self {
        Self {
            standard,
            doku: None,
        }
    }

    /// Requests of the partners with these client ids and partner ids go to `doku`.
    pub(crate) fn with_doku(mut self, doku: SnapServer, ids: HashSet<String>) -> Self {
        self.doku = Some((doku, Arc::new(ids)));
        self
    }

    /// The server of the partner the request names.
    fn server_for(&self, headers: &HeaderMap) -> &SnapServer {
        let named = headers
            .get("x-partner-id")
            .or_else(|| headers.get("x-client-key"))
            .and_then(|v| v.to_str().ok());
        match (&self.doku, named) {
            (Some((doku, ids)), Some(id)) if ids.contains(id) => doku,
            _ => &self.standard,
        }
    }
}

impl tower::Service<Request<Incoming>> for ByProfile {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Incoming>) -> Self::Future {
        let server = self.server_for(request.headers()).clone();
        Box::pin(async move { Ok(server.handle(request).await) })
    }
}
