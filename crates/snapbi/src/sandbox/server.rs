//! Starting a sandbox: one snap-http `SnapServer` per served profile (each with its token path
//! and its services at the profile's paths), the admin endpoint under `/_sandbox/`, one
//! listener.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Method, Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use snap_crypto::{ClientSecret, Clock, SystemClock, Verifier};
use snap_http::SnapServerBuilder;
use snap_http::{BoxFuture, JwtTokenIssuer, Partner, SnapServer};
use snap_types::{
    CreateVaRequest, DanaCancelOrderRequest, DanaCreateOrderRequest, DanaQueryPaymentRequest,
    DanaRefundOrderRequest, QrMpmGenerateRequest, QrMpmQueryRequest, QrMpmRefundRequest,
    ServiceCode, StandardCreateVaRequest, StandardDeleteVaRequest, StandardInquiryVaRequest,
    StandardQrCancelRequest, StandardQrGenerateRequest, StandardQrQueryRequest,
    StandardQrRefundRequest, StandardUpdateVaRequest, StandardUpdateVaStatusRequest,
    StandardVaStatusRequest,
};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::admin;
use super::config::{MerchantConfig, ProfileKind, Profiles, SandboxConfig};
use super::delivery::Notifier;
use super::persist::Persist;
use super::provider::{MerchantInfo, Sandbox};
use super::quirks;
use super::scenario::{self, FailNextCall};
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

/// One served profile: its server, and the quirks of its SDK's token request that the sandbox
/// mirrors (the token request's body is not signed, so normalising it weakens no check).
#[derive(Clone)]
struct Served {
    kind: ProfileKind,
    server: SnapServer,
    token_path: Arc<str>,
}

/// The router: admin, then each served profile by exact path; anything else goes to the first
/// profile's server, which answers `4040002 Invalid Routing`.
#[derive(Clone)]
struct Router {
    served: Arc<Vec<Served>>,
    by_path: Arc<HashMap<String, usize>>,
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
            if path.starts_with(ADMIN_PREFIX) {
                return Ok(admin::handle(&this.sandbox, request).await);
            }
            if this.sandbox.fail_next_call.take() {
                return Ok(scenario::general_error(path));
            }
            let index = this.by_path.get(path).copied().unwrap_or(0);
            let Some(served) = this.served.get(index) else {
                return Ok(Response::new(Full::new(Bytes::new())));
            };
            if path == &*served.token_path && quirks::token(served.kind) {
                return Ok(quirks::serve_token(served.kind, &served.server, request).await);
            }
            Ok(served.server.handle(request).await)
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

/// The dialect of biller inquiries: that of the first served profile with VA services.
fn biller_flavor(profiles: &Profiles) -> Flavor {
    let first_va = profiles.served.iter().map(|(kind, _)| *kind).find(|kind| {
        kind.services()
            .contains(&ServiceCode::TRANSFER_VA_CREATE_VA)
    });
    match first_va {
        Some(ProfileKind::Doku) => Flavor::Doku,
        _ => Flavor::Standard,
    }
}

/// Binds `config.listen` (port 0 picks one) and serves until [`Running::shutdown`].
/// The sandbox's state from its configuration: the ledger and the outbox (restored from
/// `data_dir` when set), the notifier, the merchants. Serving it is [`start`]'s part.
pub(crate) fn open_state(config: &SandboxConfig) -> Result<Arc<Sandbox>, String> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let persist = config
        .data_dir
        .as_deref()
        .map(Persist::open)
        .transpose()?
        .map(Arc::new);
    let public_key_pem = super::keys::public_pem(&config.private_key.public_key());
    let notifier = Notifier::new(
        &config.merchants,
        Arc::clone(&config.private_key) as Arc<dyn snap_crypto::Signer>,
        config.delivery,
        config.faults.clone(),
        Arc::clone(&clock),
        persist.clone(),
    )?;
    let sandbox = Arc::new(Sandbox {
        store: Store::open(persist)?,
        notifier: Arc::new(notifier),
        merchants: config
            .merchants
            .iter()
            .map(|m| MerchantInfo {
                client_id: m.client_id.clone(),
                partner_service_id: m.partner_service_id.clone(),
                inquiry: m.callback.inquiry,
            })
            .collect(),
        qris: config.qris.clone(),
        biller_flavor: biller_flavor(&config.profiles),
        clock,
        public_key_pem,
        fail_next_call: FailNextCall::default(),
    });
    sandbox.notifier.restore()?;
    Ok(sandbox)
}

/// Opens the sandbox's state ([`open_state`]) and serves it on `config.listen`.
pub(crate) async fn start(config: SandboxConfig) -> Result<Running, String> {
    let sandbox = open_state(&config)?;
    let SandboxConfig {
        listen,
        token_key,
        profiles,
        merchants,
        ..
    } = config;
    let key = token_key.as_deref().map(Vec::as_slice);
    let partners = partners(&merchants)?;
    let mut served = Vec::new();
    let mut by_path: HashMap<String, usize> = HashMap::new();
    for (index, (kind, paths)) in profiles.served.iter().enumerate() {
        // DANA's gateway issues no B2B token: every request is signed asymmetrically.
        let token_path = (*kind != ProfileKind::Dana).then(|| paths.token_path());
        let mut builder = SnapServer::builder()
            .token_path(token_path)
            .token_issuer(issuer(key, kind.name())?);
        for partner in &partners {
            // DANA signs every request asymmetrically, with no token.
            builder = builder.partner(match kind {
                ProfileKind::Dana => partner
                    .clone()
                    .with_mode(snap_http::SignatureMode::Asymmetric),
                _ => partner.clone(),
            });
        }
        let mut claim = |path: &str| -> Result<(), String> {
            match by_path.insert(path.to_owned(), index) {
                Some(other) if other != index => Err(format!(
                    "profiles {} and {} both serve {path}; give one of them other paths",
                    profiles.served[other].0.name(),
                    kind.name()
                )),
                _ => Ok(()),
            }
        };
        if let Some(path) = token_path {
            claim(path)?;
        }
        for service in kind.services() {
            let Some(path) = paths.path(*service) else {
                continue;
            };
            claim(&path)?;
            builder = mount(
                builder,
                *kind,
                (*service, paths.method(*service)),
                &path,
                &sandbox,
            );
        }
        served.push(Served {
            kind: *kind,
            server: builder
                .build()
                .map_err(|e| format!("{} endpoints: {e}", kind.name()))?,
            token_path: paths.token_path().into(),
        });
    }
    let router = Router {
        served: Arc::new(served),
        by_path: Arc::new(by_path),
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

/// Mounts one service of a profile at `path`, answering the profile's method for it (the
/// standard's, or the provider's own: Midtrans posts delete VA), with the handler of that
/// profile's dialect.
fn mount(
    builder: SnapServerBuilder,
    kind: ProfileKind,
    (service, method): (ServiceCode, Method),
    path: &str,
    sandbox: &Arc<Sandbox>,
) -> SnapServerBuilder {
    macro_rules! on {
        ($method:expr, $dto:ty, |$s:ident, $ctx:ident, $req:ident| $body:expr) => {{
            let shared = Arc::clone(sandbox);
            builder.route::<$dto, _, _, _>($method, path, move |$ctx, $req| {
                let $s = Arc::clone(&shared);
                async move { $body }
            })
        }};
    }
    let seed_flavor = match kind {
        ProfileKind::Finpay => Flavor::Finpay,
        _ => Flavor::QoinHub,
    };
    let standard_flavor = match kind {
        ProfileKind::Doku => Flavor::Doku,
        _ => Flavor::Standard,
    };
    match (kind, service) {
        (ProfileKind::Qoinhub, ServiceCode::TRANSFER_VA_CREATE_VA) => {
            on!(method, CreateVaRequest, |s, ctx, req| s
                .create_va(&ctx, req))
        }
        (ProfileKind::Qoinhub | ProfileKind::Finpay, ServiceCode::QR_MPM_GENERATE) => {
            on!(method, QrMpmGenerateRequest, |s, ctx, req| s.generate_qr(
                seed_flavor,
                &ctx,
                req
            ))
        }
        (ProfileKind::Qoinhub | ProfileKind::Finpay, ServiceCode::QR_MPM_QUERY) => {
            on!(method, QrMpmQueryRequest, |s, ctx, req| s.query_qr(
                seed_flavor,
                &ctx,
                req
            ))
        }
        (ProfileKind::Qoinhub | ProfileKind::Finpay, ServiceCode::QR_MPM_REFUND) => {
            on!(method, QrMpmRefundRequest, |s, ctx, req| s
                .refund_qr(&ctx, req))
        }
        (ProfileKind::Qoinhub | ProfileKind::Finpay, _) => builder,
        (ProfileKind::Dana, ServiceCode::DEBIT_PAYMENT_HOST_TO_HOST) => {
            on!(method, DanaCreateOrderRequest, |s, ctx, req| s
                .dana_create_order(&ctx, req))
        }
        (ProfileKind::Dana, ServiceCode::DEBIT_STATUS) => {
            on!(method, DanaQueryPaymentRequest, |s, ctx, req| s
                .dana_query(&ctx, req))
        }
        (ProfileKind::Dana, ServiceCode::DEBIT_CANCEL) => {
            on!(method, DanaCancelOrderRequest, |s, ctx, req| s
                .dana_cancel(&ctx, req))
        }
        (ProfileKind::Dana, ServiceCode::DEBIT_REFUND) => {
            on!(method, DanaRefundOrderRequest, |s, ctx, req| s
                .dana_refund(&ctx, req))
        }
        (ProfileKind::Dana, _) => builder,
        (_, ServiceCode::TRANSFER_VA_STATUS) => {
            on!(method, StandardVaStatusRequest, |s, ctx, req| s
                .standard_va_status(&ctx, req))
        }
        (_, ServiceCode::TRANSFER_VA_CREATE_VA) => {
            on!(method, StandardCreateVaRequest, |s, ctx, req| s
                .standard_create_va(standard_flavor, &ctx, req))
        }
        (_, ServiceCode::TRANSFER_VA_UPDATE_VA) => {
            on!(method, StandardUpdateVaRequest, |s, ctx, req| s
                .standard_update_va(&ctx, req))
        }
        (_, ServiceCode::TRANSFER_VA_UPDATE_STATUS) => {
            on!(method, StandardUpdateVaStatusRequest, |s, ctx, req| s
                .standard_update_va_status(&ctx, req))
        }
        (_, ServiceCode::TRANSFER_VA_INQUIRY_VA) => {
            on!(method, StandardInquiryVaRequest, |s, ctx, req| s
                .standard_inquiry_va(&ctx, req))
        }
        (_, ServiceCode::TRANSFER_VA_DELETE_VA) => {
            on!(method, StandardDeleteVaRequest, |s, ctx, req| s
                .standard_delete_va(&ctx, req))
        }
        (_, ServiceCode::QR_MPM_GENERATE) => {
            on!(method, StandardQrGenerateRequest, |s, ctx, req| s
                .standard_generate_qr(standard_flavor, &ctx, req))
        }
        (_, ServiceCode::QR_MPM_QUERY) => {
            on!(method, StandardQrQueryRequest, |s, ctx, req| s
                .standard_query_qr(&ctx, req))
        }
        (_, ServiceCode::QR_MPM_CANCEL) => {
            on!(method, StandardQrCancelRequest, |s, ctx, req| s
                .standard_cancel_qr(&ctx, req))
        }
        (_, ServiceCode::QR_MPM_REFUND) => {
            on!(method, StandardQrRefundRequest, |s, ctx, req| s
                .standard_refund_qr(&ctx, req))
        }
        _ => builder,
    }
}
