//! A real SNAP server on 127.0.0.1:0 and a hyper client to talk to it.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use snap_crypto::{ClientSecret, FixedClock, RsaPrivateKey, RsaPublicKey};
use snap_http::testing::{SignedRequest, TestPartner, timestamp_at};
use snap_http::{Fields, JwtTokenIssuer, Outcome, Partner, SnapServer, SnapServerBuilder};
use snap_types::{Case, VirtualAccountData};
use time::OffsetDateTime;
use time::macros::datetime;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub(crate) const NOW: OffsetDateTime = datetime!(2024-08-23 07:45:00 +07:00);
pub(crate) const SECRET: &str = "qoinhub-client-secret";
pub(crate) const TOKEN_KEY: &[u8] = b"merchant token key, shared by instances";
pub(crate) const TOKEN_PATH: &str = "/api/v1.0/access-token/b2b";
pub(crate) const VA_PATH: &str = "/api/v1.0/transfer-va/payment";
pub(crate) const DEBIT_PATH: &str = "/api/v1.0/debit/notify";
pub(crate) const QR_PATH: &str = "/api/v1.0/qr/qr-mpm-notify";
pub(crate) const EXTERNAL_ID: &str = "41807553358950093184162180797837";

pub(crate) fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

pub(crate) fn va_body() -> Vec<u8> {
    fixture("examples/000-qoinhub-va-payment-request.json")
}

pub(crate) fn public_key() -> RsaPublicKey {
    RsaPublicKey::parse(&fixture("keys/rsa2048-public.pem")).unwrap()
}

pub(crate) fn private_key() -> RsaPrivateKey {
    RsaPrivateKey::parse(&fixture("keys/rsa2048-pkcs8.pem")).unwrap()
}

/// The PJP (QoinHub) as the tests send as.
pub(crate) fn pjp() -> TestPartner {
    TestPartner::new("QoinSnap")
        .with_private_key(private_key())
        .with_client_secret(ClientSecret::new(SECRET))
}

pub(crate) fn partner(client_id: &str) -> Partner {
    Partner::new(client_id)
        .unwrap()
        .with_public_key(public_key())
        .with_client_secret(ClientSecret::new(SECRET))
}

pub(crate) fn ts() -> String {
    timestamp_at(NOW)
}

pub(crate) struct TestServer {
    pub(crate) base: String,
    pub(crate) clock: Arc<FixedClock>,
    pub(crate) calls: Arc<AtomicUsize>,
    client: Client<HttpConnector, Full<Bytes>>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Reply {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub(crate) fn code(&self) -> String {
        self.json()["responseCode"].as_str().unwrap().to_owned()
    }

    pub(crate) fn message(&self) -> String {
        self.json()["responseMessage"].as_str().unwrap().to_owned()
    }

    /// Asserts the exact code and message, and that the HTTP status is the code's first 3 digits.
    #[track_caller]
    pub(crate) fn expect(&self, code: &str, message: &str) {
        assert_eq!(
            (self.code().as_str(), self.message().as_str()),
            (code, message),
            "{:?}",
            self.body
        );
        assert_eq!(self.status.as_u16().to_string(), code[..3]);
        assert_eq!(self.headers["content-type"], "application/json");
        assert!(self.headers.contains_key("x-timestamp"));
    }
}

/// The handler the tests mount on every notification route: counts calls; the VA payment
/// answers by `trxId` (`fail` → error, `panic` → panics, `slow` → waits, `paid` → Paid Bill) and amount (`1.00` →
/// Invalid Amount).
pub(crate) fn default_builder(
    calls: Arc<AtomicUsize>,
    clock: Arc<FixedClock>,
) -> SnapServerBuilder {
    let (c1, c2, c3) = (calls.clone(), calls.clone(), calls);
    SnapServer::builder()
        .prefix("/api")
        .partner(partner("QoinSnap").with_channels(["95221"]).unwrap())
        .token_issuer(JwtTokenIssuer::new(TOKEN_KEY).unwrap())
        .clock(clock)
        .va_payment(move |_ctx, va| {
            c1.fetch_add(1, Ordering::SeqCst);
            async move {
                match va.trx_id.as_str() {
                    "fail" => return Err("database down".into()),
                    "panic" => panic!("a bug in the merchant's handler"),
                    "slow" => tokio::time::sleep(Duration::from_millis(300)).await,
                    "paid" => return Ok(Outcome::business(Case::PaidBill, "")),
                    _ => {}
                }
                if va.paid_amount.value.to_string() == "1.00" {
                    return Ok::<_, snap_http::BoxError>(Outcome::business(
                        Case::InvalidAmount,
                        "",
                    ));
                }
                let data = VirtualAccountData {
                    partner_service_id: Some(va.partner_service_id),
                    customer_no: va.customer_no,
                    virtual_account_no: Some(va.virtual_account_no),
                    trx_date_time: Some(va.trx_date_time),
                    trx_id: Some(va.trx_id),
                };
                Ok(Outcome::success_with(
                    Fields::new().with("virtualAccountData", &data)?,
                ))
            }
        })
        .debit_notify(move |_ctx, _debit| {
            c2.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, Infallible>(Outcome::success()) }
        })
        .qr_mpm_notify(move |_ctx, _qr| {
            c3.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, Infallible>(Outcome::success()) }
        })
}

impl TestServer {
    pub(crate) async fn start() -> Self {
        Self::start_with(|b| b).await
    }

    pub(crate) async fn start_with(
        configure: impl FnOnce(SnapServerBuilder) -> SnapServerBuilder,
    ) -> Self {
        let clock = Arc::new(FixedClock::new(NOW));
        let calls = Arc::new(AtomicUsize::new(0));
        let server = configure(default_builder(calls.clone(), clock.clone()))
            .build()
            .unwrap();
        Self::serve(server, clock, calls).await
    }

    /// Serves `server` (a [`SnapServer`], or an app around one) on 127.0.0.1:0.
    pub(crate) async fn serve<S, B>(
        server: S,
        clock: Arc<FixedClock>,
        calls: Arc<AtomicUsize>,
    ) -> Self
    where
        S: tower::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>>
            + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<snap_http::BoxError>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<snap_http::BoxError>,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(snap_http::serve(listener, server, async {
            let _ = stopped.await;
        }));
        Self {
            base,
            clock,
            calls,
            client: Client::builder(TokioExecutor::new()).build_http(),
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub(crate) fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub(crate) fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    pub(crate) async fn send(&self, request: SignedRequest) -> Reply {
        let request = request.into_request_to(&self.base).unwrap();
        let response = self.client.request(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// Gets a token as `who` at the server's current time.
    pub(crate) async fn token_for(&self, who: &TestPartner) -> String {
        let now = timestamp_at(snap_crypto::Clock::now(&*self.clock));
        let reply = self
            .send(who.token_request(TOKEN_PATH, &now).unwrap())
            .await;
        reply.expect("2007300", "Successful");
        reply.json()["accessToken"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn token(&self) -> String {
        self.token_for(&pjp()).await
    }

    /// Stops accepting, waits for in-flight requests, returns when the server is down.
    pub(crate) async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }

    pub(crate) fn trigger_shutdown(&mut self) -> JoinHandle<std::io::Result<()>> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.take().unwrap()
    }
}
