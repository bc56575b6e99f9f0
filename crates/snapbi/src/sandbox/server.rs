//! Starting a sandbox: two snap-http `SnapServer`s (QoinHub and Finpay paths), the admin
//! endpoint under `/_sandbox/`, one listener.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Method, Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use snap_crypto::{ClientSecret, Clock, SystemClock, Verifier};
use snap_http::{BoxFuture, JwtTokenIssuer, Partner, SnapServer};
use snap_types::{CreateVaRequest, QrMpmGenerateRequest, QrMpmQueryRequest, QrMpmRefundRequest};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::admin;
use super::config::{MerchantConfig, SandboxConfig};
use super::delivery::Notifier;
use super::provider::{MerchantInfo, Sandbox};
use super::state::{Flavor, Store};

/// The path prefix of the admin endpoint.
pub(crate) const ADMIN_PREFIX: &str = "/_sandbox/";

/// A running sandbox.
#[derive(Debug)]
pub(crate) struct Running {
    addr: SocketAddr,
    sandbox: Arc<Sandbox>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Where it listens.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its state (ledger, delivery log, faults).
    pub(crate) fn sandbox(&self) -> &Arc<Sandbox> {
        &self.sandbox
    }

    /// Stops accepting, finishes in-flight requests, and returns.
    pub(crate) async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// The router: admin, Finpay paths, everything else to QoinHub's server (which answers unknown
/// paths with `4040002 Invalid Routing`).
#[derive(Clone)]
struct Router {
    qoinhub: SnapServer,
    finpay: SnapServer,
    finpay_token_path: Arc<str>,
    finpay_qr_prefix: Arc<str>,
    sandbox: Arc<Sandbox>,
}

impl tower::Service<Request<Incoming>> for Router {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Incoming>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let path = request.uri().path();
            let response = if path.starts_with(ADMIN_PREFIX) {
                admin::handle(&this.sandbox, request).await
            } else if path == &*this.finpay_token_path
                || path
                    .strip_prefix(&*this.finpay_qr_prefix)
                    .is_some_and(|rest| rest.starts_with('/'))
            {
                this.finpay.handle(request).await
            } else {
                this.qoinhub.handle(request).await
            };
            Ok(response)
        })
    }
}

fn partners(merchants: &[MerchantConfig]) -> Result<Vec<Partner>, String> {
    let mut out = Vec::new();
    for m in merchants {
        let key: Arc<dyn Verifier> = Arc::new(m.public_key.clone());
        let partner = Partner::new(&m.client_id)
            .map_err(|e| format!("merchant {}: {e}", m.client_id))?
            .with_public_key_arc(key)
            .with_client_secret(ClientSecret::from_bytes(&m.client_secret))
            .with_channels(&m.channels)
            .map_err(|e| format!("merchant {}: channels: {e}", m.client_id))?;
        out.push(partner);
    }
    Ok(out)
}

fn issuer(key: Option<&[u8]>, flavor: &str) -> Result<JwtTokenIssuer, String> {
    // Each profile is its own provider: tokens of one are not valid at the other.
    let issuer = match key {
        Some(key) => {
            let mut bytes = key.to_vec();
            bytes.extend_from_slice(flavor.as_bytes());
            JwtTokenIssuer::new(&bytes)
        }
        None => JwtTokenIssuer::random(),
    };
    issuer.map_err(|e| format!("token issuer: {e}"))
}

/// Binds `config.listen` (port 0 picks one) and serves until [`Running::shutdown`].
pub(crate) async fn start(config: SandboxConfig) -> Result<Running, String> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let SandboxConfig {
        listen,
        private_key,
        token_key,
        qris,
        profiles,
        delivery,
        faults,
        merchants,
        demo: _,
    } = config;
    let notifier = Notifier::new(
        &merchants,
        Arc::new(private_key),
        delivery,
        faults,
        Arc::clone(&clock),
    )?;
    let sandbox = Arc::new(Sandbox {
        store: Store::default(),
        notifier: Arc::new(notifier),
        merchants: merchants
            .iter()
            .map(|m| MerchantInfo {
                client_id: m.client_id.clone(),
                partner_service_id: m.partner_service_id.clone(),
            })
            .collect(),
        qris,
        clock,
    });

    let key = token_key.as_deref().map(Vec::as_slice);
    let mut qoinhub = SnapServer::builder()
        .prefix(&profiles.qoinhub_prefix)
        .token_issuer(issuer(key, "qoinhub")?);
    let mut finpay = SnapServer::builder()
        .token_path(Some(&profiles.finpay_token_path))
        .token_issuer(issuer(key, "finpay")?);
    for partner in partners(&merchants)? {
        qoinhub = qoinhub.partner(partner.clone());
        finpay = finpay.partner(partner);
    }
    let s = Arc::clone(&sandbox);
    qoinhub = qoinhub.mount::<CreateVaRequest, _, _, _>(move |ctx, req| {
        let s = Arc::clone(&s);
        async move { s.create_va(&ctx, req) }
    });
    for flavor in [Flavor::QoinHub, Flavor::Finpay] {
        let (s1, s2, s3) = (
            Arc::clone(&sandbox),
            Arc::clone(&sandbox),
            Arc::clone(&sandbox),
        );
        let generate = move |ctx, req| {
            let s = Arc::clone(&s1);
            async move { s.generate_qr(flavor, &ctx, req) }
        };
        let query = move |ctx, req| {
            let s = Arc::clone(&s2);
            async move { s.query_qr(flavor, &ctx, req) }
        };
        let refund = move |ctx, req| {
            let s = Arc::clone(&s3);
            async move { s.refund_qr(&ctx, req) }
        };
        match flavor {
            Flavor::QoinHub => {
                qoinhub = qoinhub
                    .mount::<QrMpmGenerateRequest, _, _, _>(generate)
                    .mount::<QrMpmQueryRequest, _, _, _>(query)
                    .mount::<QrMpmRefundRequest, _, _, _>(refund);
            }
            Flavor::Finpay => {
                let p = &profiles.finpay_qr_prefix;
                finpay = finpay
                    .route::<QrMpmGenerateRequest, _, _, _>(
                        Method::POST,
                        &format!("{p}/qr-mpm-generate"),
                        generate,
                    )
                    .route::<QrMpmQueryRequest, _, _, _>(
                        Method::POST,
                        &format!("{p}/qr-mpm-query"),
                        query,
                    )
                    .route::<QrMpmRefundRequest, _, _, _>(
                        Method::POST,
                        &format!("{p}/qr-mpm-refund"),
                        refund,
                    );
            }
        }
    }
    let router = Router {
        qoinhub: qoinhub
            .build()
            .map_err(|e| format!("QoinHub endpoints: {e}"))?,
        finpay: finpay
            .build()
            .map_err(|e| format!("Finpay endpoints: {e}"))?,
        finpay_token_path: profiles.finpay_token_path.as_str().into(),
        finpay_qr_prefix: profiles.finpay_qr_prefix.as_str().into(),
        sandbox: Arc::clone(&sandbox),
    };
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("listener address: {e}"))?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(snap_http::serve(listener, router, async move {
        let _ = stopped.await;
    }));
    Ok(Running {
        addr,
        sandbox,
        stop: Some(stop),
        task,
    })
}
