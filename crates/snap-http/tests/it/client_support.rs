//! Shared pieces of the client tests: keys, a configured client, and a scripted HTTP server for
//! answers the real server never gives (5xx, HTML, slowness, invented codes).

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use snap_crypto::{ClientSecret, RsaPrivateKey, RsaPublicKey, ServiceRequest};
use snap_http::{ClientConfig, ProviderProfile};
use tokio::net::TcpListener;

pub(crate) const CLIENT_ID: &str = "7fb118fb-2738-4886-9817-8a2c4de43001";
pub(crate) const CHANNEL: &str = "95221";
pub(crate) const SECRET: &str = "QoinSnap-test-client-secret-not-for-production";

pub(crate) fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

pub(crate) fn private_key() -> RsaPrivateKey {
    RsaPrivateKey::from_file(fixtures().join("keys/rsa2048-pkcs8.pem")).unwrap()
}

pub(crate) fn public_key() -> RsaPublicKey {
    RsaPublicKey::from_file(fixtures().join("keys/rsa2048-public.pem")).unwrap()
}

pub(crate) fn example(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join("examples").join(name)).unwrap()
}

/// A symmetric client for `base` with the fixture keys.
pub(crate) fn config(base: &str, profile: ProviderProfile) -> ClientConfig {
    ClientConfig::builder()
        .base_url(base)
        .client_id(CLIENT_ID.parse().unwrap())
        .channel_id(CHANNEL.parse().unwrap())
        .private_key(private_key())
        .client_secret(ClientSecret::new(SECRET))
        .profile(profile)
        .build()
        .unwrap()
}

/// One request as the scripted server received it.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Recorded {
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub(crate) fn is_token(&self) -> bool {
        self.path.ends_with("/access-token/b2b")
    }

    /// Checks the symmetric signature the way a provider would, over the received bytes.
    pub(crate) fn verify_symmetric(&self) {
        let token = self
            .header("authorization")
            .strip_prefix("Bearer ")
            .unwrap();
        let request = ServiceRequest::new("POST", &self.path)
            .with_token(token)
            .with_body(&self.body)
            .with_timestamp(self.header("x-timestamp"));
        snap_crypto::verify(
            &request,
            self.header("x-signature"),
            &ClientSecret::new(SECRET),
        )
        .unwrap();
    }
}

/// What the script answers.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
    pub(crate) delay: Duration,
}

impl Reply {
    pub(crate) fn json(status: u16, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// A successful token answer; each call hands out a distinct token.
    pub(crate) fn token(n: usize) -> Self {
        Self::json(
            200,
            format!(
                r#"{{"responseCode":"2007300","responseMessage":"Successful","accessToken":"token-{n}","tokenType":"Bearer","expiresIn":"900"}}"#
            ),
        )
    }
}

type Script = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

/// A loopback HTTP/1.1 server answering with `script(request, index)` (index counts all requests)
/// and recording what it received.
pub(crate) struct Scripted {
    pub(crate) base: String,
    pub(crate) requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Scripted {
    pub(crate) async fn start(
        script: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let recorded = Arc::clone(&requests);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let script = Arc::clone(&script);
                let recorded = Arc::clone(&recorded);
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let script = Arc::clone(&script);
                    let recorded = Arc::clone(&recorded);
                    async move {
                        let path = request
                            .uri()
                            .path_and_query()
                            .map(|p| p.as_str().to_owned())
                            .unwrap_or_default();
                        let headers = request.headers().clone();
                        let body = request.into_body().collect().await.unwrap().to_bytes();
                        let seen = Recorded {
                            path,
                            headers,
                            body,
                        };
                        let index = {
                            let mut all = recorded.lock().unwrap();
                            all.push(seen.clone());
                            all.len() - 1
                        };
                        let reply = script(&seen, index);
                        if !reply.delay.is_zero() {
                            tokio::time::sleep(reply.delay).await;
                        }
                        let mut response = Response::new(Full::new(reply.body));
                        *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
                        Ok::<_, Infallible>(response)
                    }
                });
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { base, requests }
    }

    pub(crate) fn recorded(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub(crate) fn service_requests(&self) -> Vec<Recorded> {
        self.recorded()
            .into_iter()
            .filter(|r| !r.is_token())
            .collect()
    }

    pub(crate) fn token_requests(&self) -> usize {
        self.recorded().iter().filter(|r| r.is_token()).count()
    }
}

/// A script that hands out tokens and answers every service call with `reply(request, n)`, `n`
/// counting service calls only.
pub(crate) fn with_tokens(
    reply: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
) -> impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static {
    let tokens = std::sync::atomic::AtomicUsize::new(0);
    let calls = std::sync::atomic::AtomicUsize::new(0);
    move |request, _| {
        if request.is_token() {
            Reply::token(tokens.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
        } else {
            reply(
                request,
                calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
            )
        }
    }
}
