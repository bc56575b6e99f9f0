// The checks of the http_conn fuzz target. Shared, not copied: this file is a test module here
// and is `include!`d by fuzz/fuzz_targets/http_conn.rs. Plain comments only, since an included
// file cannot hold inner doc comments.

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use snap_crypto::{ClientSecret, FixedClock};
use snap_http::{JwtTokenIssuer, Outcome, Partner, SnapServer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tower::ServiceExt as _;

// A server with the three notification routes and a partner with a client secret, at a fixed
// time (raw bytes cannot carry a valid RSA signature, so no key is loaded).
fn conn_server() -> SnapServer {
    static SERVER: OnceLock<SnapServer> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            let now = time::macros::datetime!(2024-08-23 07:45:00 +07:00);
            let partner = Partner::new("QoinSnap")
                .and_then(|p| p.with_channels(["95221"]))
                .map(|p| p.with_client_secret(ClientSecret::new("qoinhub-client-secret")));
            SnapServer::builder()
                .prefix("/api")
                .partner(partner.unwrap_or_else(|e| panic!("{e}")))
                .token_issuer(
                    JwtTokenIssuer::new(b"the http_conn fuzz target token key")
                        .unwrap_or_else(|e| panic!("{e}")),
                )
                .clock(Arc::new(FixedClock::new(now)))
                .body_limit(1024)
                .va_payment(|_, _| async { Ok::<_, Infallible>(Outcome::success()) })
                .debit_notify(|_, _| async { Ok::<_, Infallible>(Outcome::success()) })
                .qr_mpm_notify(|_, _| async { Ok::<_, Infallible>(Outcome::success()) })
                .build()
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .clone()
}

// One HTTP/1.1 response read back from the wire.
struct WireResponse<'a> {
    status: u16,
    headers: Vec<(String, &'a str)>,
    body: &'a [u8],
}

// Splits what the server wrote into responses; panics on anything that is not a well-formed
// sequence of HTTP/1.x responses (an HTTP/1.0 request is answered in HTTP/1.0).
fn wire_responses(mut out: &[u8]) -> Vec<WireResponse<'_>> {
    let mut responses = Vec::new();
    while !out.is_empty() {
        let end = out
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| {
                panic!(
                    "response head not terminated: {:?}",
                    String::from_utf8_lossy(out)
                )
            });
        let head =
            std::str::from_utf8(&out[..end]).unwrap_or_else(|e| panic!("head not UTF-8: {e}"));
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status: u16 = status_line
            .strip_prefix("HTTP/1.1 ")
            .or_else(|| status_line.strip_prefix("HTTP/1.0 "))
            .and_then(|s| s.get(..3))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let headers: Vec<(String, &str)> = lines
            .map(|l| {
                let (name, value) = l
                    .split_once(':')
                    .unwrap_or_else(|| panic!("bad header {l:?}"));
                (name.to_ascii_lowercase(), value.trim())
            })
            .collect();
        let rest = &out[end + 4..];
        // Without a Content-Length, the body runs to the end of the connection.
        let length: usize =
            headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .map_or(rest.len(), |(_, v)| {
                    v.parse()
                        .unwrap_or_else(|_| panic!("bad content-length {v:?}"))
                });
        assert!(rest.len() >= length, "body shorter than its Content-Length");
        responses.push(WireResponse {
            status,
            headers,
            body: &rest[..length],
        });
        out = &rest[length..];
    }
    responses
}

// Each response is a client error or success from the SNAP server (X-TIMESTAMP, JSON, a
// `responseCode` that starts with the status) or hyper's own refusal of a malformed message (a
// 4xx without a body); never a 5xx. Returns whether it was the SNAP server's.
fn check_wire_response(r: &WireResponse<'_>) -> bool {
    assert!(
        r.status < 500,
        "a 5xx for bytes from a client: {}",
        r.status
    );
    let header = |name: &str| r.headers.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    if header("x-timestamp").is_none() {
        assert!(
            (400..500).contains(&r.status) && r.body.is_empty(),
            "a {} without X-TIMESTAMP",
            r.status
        );
        return false;
    }
    assert_eq!(header("content-type"), Some("application/json"));
    let json: serde_json::Value =
        serde_json::from_slice(r.body).unwrap_or_else(|e| panic!("body not JSON: {e}"));
    let code = json["responseCode"]
        .as_str()
        .unwrap_or_else(|| panic!("no responseCode: {json}"));
    assert!(
        json["responseMessage"].is_string(),
        "no responseMessage: {json}"
    );
    assert!(
        code.len() == 7 && code.starts_with(&r.status.to_string()),
        "responseCode {code} for status {}",
        r.status
    );
    true
}

/// The http_conn target: the first byte says how the client sends the rest (in how many pieces,
/// and whether it then closes its side); the rest goes into a hyper HTTP/1.1 connection to the
/// server (configured as `snap_http::serve` does) over an in-memory stream, with tokio's time
/// paused so timeouts fire as soon as everything waits. What comes back is well-formed
/// responses or nothing, and the connection ends: never a hang. Returns how many answers came
/// from the SNAP server.
pub(crate) fn check_connection(data: &[u8]) -> usize {
    let Some((&how, bytes)) = data.split_first() else {
        return 0;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let output = runtime.block_on(async {
        let (mut client, server_io) = tokio::io::duplex(1 << 16);
        let server = conn_server();
        let connection = tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |request| server.clone().oneshot(request));
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10));
            let _ = builder
                .serve_connection(TokioIo::new(server_io), service)
                .await;
        });
        let exchange = async move {
            let pieces = usize::from(how & 0x0f) + 1;
            for piece in bytes.chunks(bytes.len().div_ceil(pieces).max(1)) {
                if client.write_all(piece).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(u64::from(how >> 5) * 100)).await;
            }
            if how & 0x10 != 0 {
                let _ = client.shutdown().await;
            }
            let mut out = Vec::new();
            let _ = client.read_to_end(&mut out).await;
            out
        };
        let out = tokio::time::timeout(Duration::from_secs(3600), exchange)
            .await
            .unwrap_or_else(|_| panic!("the connection was still open after an hour"));
        tokio::time::timeout(Duration::from_secs(3600), connection)
            .await
            .unwrap_or_else(|_| {
                panic!("the server kept the connection after the client saw it end")
            })
            .unwrap_or_else(|e| panic!("connection task: {e}"));
        out
    });
    wire_responses(&output)
        .iter()
        .filter(|r| check_wire_response(r))
        .count()
}

// ---- The jwt target: access-token verification. ----

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use snap_http::TokenIssuer;
use time::OffsetDateTime;

const JWT_KEY: &[u8] = b"the jwt fuzz target's token key, 32+ bytes";
const JWT_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

fn jwt_issuer() -> &'static snap_http::JwtTokenIssuer {
    static ISSUER: OnceLock<snap_http::JwtTokenIssuer> = OnceLock::new();
    ISSUER.get_or_init(|| snap_http::JwtTokenIssuer::new(JWT_KEY).unwrap_or_else(|e| panic!("{e}")))
}

// Input read as a script, as in the other targets' checks.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        first
    }

    fn i64(&mut self) -> i64 {
        let mut b = [0u8; 8];
        b.iter_mut().for_each(|x| *x = self.byte());
        i64::from_le_bytes(b)
    }

    fn text(&mut self) -> String {
        let n = usize::from(self.byte()).min(self.0.len());
        let (text, rest) = self.0.split_at(n);
        self.0 = rest;
        String::from_utf8_lossy(text).into_owned()
    }
}

// A time within OffsetDateTime's range, near the interesting ones most of the time.
fn jwt_time(b: &mut Bytes<'_>, near: i64) -> OffsetDateTime {
    let raw = b.i64();
    let secs = match b.byte() % 3 {
        0 => near.saturating_add(raw % 2000),
        1 => raw % 253_402_300_799,
        _ => raw,
    };
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn sign_jwt(header: &str, payload: &[u8]) -> String {
    let mut token = format!("{header}.{}", URL_SAFE_NO_PAD.encode(payload));
    let tag = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, JWT_KEY),
        token.as_bytes(),
    );
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(tag.as_ref()));
    token
}

/// The jwt target. Mode 0: arbitrary text never verifies. Mode 1: a token issued for a
/// fuzzer-chosen client id and time verifies exactly inside its lifetime when the id is valid,
/// and any change to it fails. Mode 2: fuzzer-chosen claims signed with the issuer's key verify
/// exactly when `nbf <= now < exp` and the client id is valid. Mode 3: a fuzzer-chosen payload
/// signed with the key verifies only with claims that allow it.
pub(crate) fn check_jwt(data: &[u8]) {
    let issuer = jwt_issuer();
    let mut b = Bytes(data);
    let valid_id = |id: &str| id.parse::<snap_types::PartnerId>().is_ok();
    match b.byte() % 4 {
        0 => {
            let now = jwt_time(&mut b, 1_724_373_900);
            let text = String::from_utf8_lossy(b.0);
            assert!(
                issuer.verify(&text, now).is_err(),
                "arbitrary text verified: {text:?}"
            );
        }
        1 => {
            let client = b.text();
            let issued_at = jwt_time(&mut b, 1_724_373_900);
            let Ok(issued) = issuer.issue(&client, issued_at) else {
                return;
            };
            let at = jwt_time(&mut b, issued_at.unix_timestamp());
            let age = at.unix_timestamp() - issued_at.unix_timestamp();
            let inside = (0..i64::from(issued.expires_in)).contains(&age);
            let verified = issuer.verify(&issued.token, at);
            assert_eq!(
                verified.is_ok(),
                inside && valid_id(&client),
                "token for {client:?} issued at {issued_at}, checked at {at}: {verified:?}"
            );
            if let Ok(v) = &verified {
                assert_eq!(v.client_id.as_str(), client);
            }
            let mut forged = issued.token.clone().into_bytes();
            for _ in 0..=b.byte() % 4 {
                let at = usize::from(b.byte()) * 256 + usize::from(b.byte());
                match b.byte() % 3 {
                    0 if !forged.is_empty() => {
                        let i = at % forged.len();
                        forged[i] = b.byte();
                    }
                    1 => forged.insert(at % (forged.len() + 1), b.byte()),
                    _ if !forged.is_empty() => {
                        forged.remove(at % forged.len());
                    }
                    _ => {}
                }
            }
            let forged = String::from_utf8_lossy(&forged);
            if forged != issued.token {
                assert!(
                    issuer.verify(&forged, issued_at).is_err(),
                    "a changed token verified: {forged:?}"
                );
            }
        }
        2 => {
            let client = b.text();
            let (nbf, exp, iat) = (b.i64(), b.i64(), b.i64());
            let now = jwt_time(&mut b, nbf);
            let claims = serde_json::json!({
                "jti": b.text(), "clientId": client, "nbf": nbf, "exp": exp, "iat": iat,
            });
            let token = sign_jwt(JWT_HEADER, claims.to_string().as_bytes());
            let verified = issuer.verify(&token, now);
            let t = now.unix_timestamp();
            let expires = OffsetDateTime::from_unix_timestamp(exp).is_ok();
            assert_eq!(
                verified.is_ok(),
                nbf <= t && t < exp && expires && valid_id(&client),
                "claims {claims} at {t}: {verified:?}"
            );
            if let Ok(v) = verified {
                assert_eq!(v.client_id.as_str(), client);
                assert_eq!(v.expires_at.unix_timestamp(), exp);
            }
        }
        _ => {
            let header = if b.byte().is_multiple_of(2) {
                JWT_HEADER.to_owned()
            } else {
                b.text()
            };
            let now = jwt_time(&mut b, 1_724_373_900);
            let payload = b.0;
            let token = sign_jwt(&header, payload);
            let Ok(v) = issuer.verify(&token, now) else {
                return;
            };
            assert_eq!(
                header, JWT_HEADER,
                "a token with header {header:?} verified"
            );
            // Read leniently: the issuer skips members it does not know without checking their
            // UTF-8, surrogates or number range (only the key's holder can sign such a payload).
            let Ok(claims) =
                serde_json::from_str::<serde_json::Value>(&String::from_utf8_lossy(payload))
            else {
                return;
            };
            let (nbf, exp) = (claims["nbf"].as_i64(), claims["exp"].as_i64());
            let t = now.unix_timestamp();
            assert!(
                nbf.is_some_and(|nbf| nbf <= t) && exp.is_some_and(|exp| t < exp),
                "claims {claims} verified at {t}"
            );
            assert_eq!(claims["clientId"].as_str(), Some(v.client_id.as_str()));
        }
    }
}

// ---- The service target: the whole SnapServer as a tower service. ----

use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes as Body;
use http::{HeaderName, HeaderValue, Method, Request};
use http_body_util::{BodyExt as _, Full};
use snap_crypto::{RsaPrivateKey, SignatureAlgorithm, Signer, Verifier};
use snap_http::testing::{SignedRequest, TestPartner, timestamp_at};
use snap_types::{DebitNotification, QrMpmNotification, SnapRequest, VaPaymentNotification};

const SERVICE_NOW: OffsetDateTime = time::macros::datetime!(2024-08-23 07:45:00 +07:00);
const SERVICE_SECRET: &str = "qoinhub-client-secret";
const TOKEN_PATH: &str = "/api/v1.0/access-token/b2b";

// The notification routes: path, service code, an example body that passes validation, and
// whether that body passes `parse_request` (the oracle for "the handler may run").
struct RouteCase {
    path: &'static str,
    service: snap_types::ServiceCode,
    example: &'static str,
    valid: fn(&[u8]) -> bool,
}

fn route_cases() -> [RouteCase; 3] {
    [
        RouteCase {
            path: "/api/v1.0/transfer-va/payment",
            service: VaPaymentNotification::SERVICE,
            example: "examples/000-qoinhub-va-payment-request.json",
            valid: |b| snap_types::parse_request::<VaPaymentNotification>(b).is_ok(),
        },
        RouteCase {
            path: "/api/v1.0/debit/notify",
            service: DebitNotification::SERVICE,
            example: "examples/001-qoinhub-debit-notify-request.json",
            valid: |b| snap_types::parse_request::<DebitNotification>(b).is_ok(),
        },
        RouteCase {
            path: "/api/v1.0/qr/qr-mpm-notify",
            service: QrMpmNotification::SERVICE,
            example: "examples/003-finpay-qr-mpm-notify-request.json",
            valid: |b| snap_types::parse_request::<QrMpmNotification>(b).is_ok(),
        },
    ]
}

fn fixture_bytes(rel: &str) -> Vec<u8> {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = here
        .ancestors()
        .find(|d| d.join("fixtures/keys").is_dir())
        .unwrap_or_else(|| panic!("no fixtures/ above {}", here.display()));
    std::fs::read(root.join("fixtures").join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

// Stands in for the RSA key pair in most runs (an RSA signature costs milliseconds): it declares
// SHA256withRSA and signs with HMAC-SHA256, so the server treats it as the partner's RSA key.
#[derive(Clone)]
struct FastRsa;

impl FastRsa {
    fn key() -> ring::hmac::Key {
        ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"fast rsa stand-in")
    }
}

impl Signer for FastRsa {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RsaPkcs1Sha256
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, snap_crypto::Error> {
        Ok(ring::hmac::sign(&Self::key(), message).as_ref().to_vec())
    }
}

impl Verifier for FastRsa {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RsaPkcs1Sha256
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), snap_crypto::Error> {
        ring::hmac::verify(&Self::key(), message, signature)
            .map_err(|_| snap_crypto::Error::InvalidSignature)
    }
}

struct ServiceFixtures {
    private: Arc<RsaPrivateKey>,
    bodies: Vec<Vec<u8>>,
}

fn service_fixtures() -> &'static ServiceFixtures {
    static FIXTURES: OnceLock<ServiceFixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| ServiceFixtures {
        private: Arc::new(
            RsaPrivateKey::parse(&fixture_bytes("keys/rsa2048-pkcs8.pem"))
                .unwrap_or_else(|e| panic!("{e}")),
        ),
        bodies: route_cases()
            .iter()
            .map(|c| fixture_bytes(c.example))
            .collect(),
    })
}

struct ArcSigner(Arc<RsaPrivateKey>);

impl Signer for ArcSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.0.algorithm()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, snap_crypto::Error> {
        self.0.sign(message)
    }
}

// A fresh server (so each input starts with an empty replay store): the three notification
// routes with handlers that count their calls, one partner, a fixed clock.
fn service_server(
    real_rsa: bool,
    asymmetric: bool,
    calls: Arc<AtomicUsize>,
) -> (SnapServer, JwtTokenIssuerRef) {
    let partner = Partner::new("QoinSnap")
        .and_then(|p| p.with_channels(["95221"]))
        .unwrap_or_else(|e| panic!("{e}"))
        .with_client_secret(ClientSecret::new(SERVICE_SECRET));
    let partner = if real_rsa {
        partner.with_public_key(service_fixtures().private.public_key())
    } else {
        partner.with_public_key(FastRsa)
    };
    let partner = partner.with_mode(if asymmetric {
        snap_http::SignatureMode::Asymmetric
    } else {
        snap_http::SignatureMode::Symmetric
    });
    let (c1, c2, c3) = (calls.clone(), calls.clone(), calls);
    let server = SnapServer::builder()
        .prefix("/api")
        .partner(partner)
        .token_issuer(service_issuer())
        .clock(Arc::new(FixedClock::new(SERVICE_NOW)))
        .body_limit(4096)
        .va_payment(move |_, _| {
            c1.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, Infallible>(Outcome::success()) }
        })
        .debit_notify(move |_, _| {
            c2.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, Infallible>(Outcome::success()) }
        })
        .qr_mpm_notify(move |_, _| {
            c3.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, Infallible>(Outcome::success()) }
        })
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    (server, JwtTokenIssuerRef)
}

const SERVICE_TOKEN_KEY: &[u8] = b"the service fuzz target's token key";

fn service_issuer() -> snap_http::JwtTokenIssuer {
    snap_http::JwtTokenIssuer::new(SERVICE_TOKEN_KEY).unwrap_or_else(|e| panic!("{e}"))
}

// Issues tokens the server accepts (same key).
struct JwtTokenIssuerRef;

impl JwtTokenIssuerRef {
    fn token(&self, at: OffsetDateTime) -> String {
        service_issuer()
            .issue("QoinSnap", at)
            .map(|t| t.token)
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

// What the server answered, read back.
struct Answer {
    status: u16,
    body: serde_json::Value,
}

async fn ask(server: &SnapServer, request: Request<Full<Body>>) -> Answer {
    let response = server
        .clone()
        .oneshot(request)
        .await
        .unwrap_or_else(|e| match e {});
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    assert_eq!(
        headers.get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/json"[..]),
        "Content-Type of a {status}"
    );
    assert!(
        headers.contains_key("x-timestamp"),
        "no X-TIMESTAMP on a {status}"
    );
    let bytes = response
        .into_body()
        .collect()
        .await
        .unwrap_or_else(|e| match e {})
        .to_bytes();
    let body: serde_json::Value =
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("answer not JSON: {e}"));
    assert!(body.is_object(), "answer not an object: {body}");
    Answer { status, body }
}

// Everything the script may do to a request after it was signed.
fn tweak(request: &mut SignedRequest, s: &mut Bytes<'_>) -> bool {
    let names = [
        "x-timestamp",
        "x-signature",
        "x-partner-id",
        "x-external-id",
        "channel-id",
        "authorization",
        "content-type",
        "x-client-key",
        "content-length",
    ];
    let mut changed = false;
    for _ in 0..s.byte() % 3 {
        let name = names[usize::from(s.byte()) % names.len()];
        let value = s.text();
        changed = true;
        match s.byte() % 4 {
            0 => {
                request.headers.remove(name);
            }
            1 => {
                if let Ok(v) = HeaderValue::from_bytes(value.as_bytes()) {
                    request.headers.append(HeaderName::from_static(name), v);
                }
            }
            2 => {
                let mut body = request.body.to_vec();
                let at = usize::from(s.byte());
                if !body.is_empty() {
                    let i = at % body.len();
                    body[i] = s.byte();
                }
                request.body = Body::from(body);
            }
            _ => {
                if let Ok(v) = HeaderValue::from_bytes(value.as_bytes()) {
                    request.headers.insert(HeaderName::from_static(name), v);
                }
            }
        }
    }
    changed
}

/// The service target. The first byte picks a raw request (method, path, headers and body from
/// the script), a notification signed symmetrically (a token from the server's issuer, HMAC with
/// the client secret) or asymmetrically, or a token request, each with script-chosen fields and
/// changes after signing. Every answer is a SNAP JSON object with `Content-Type:
/// application/json` and `X-TIMESTAMP`, never a 5xx, with a `responseCode` that starts with the
/// status and carries the route's service code (`00` off the routes); the handler runs only for a
/// correctly signed notification whose body passes validation, and then answers 2xx; the same
/// request again gets the same answer (a new token aside) without running the handler again.
pub(crate) fn check_service(data: &[u8]) -> bool {
    let mut s = Bytes(data);
    let mode = s.byte();
    let real_rsa = mode >> 4 == 0 && mode % 4 == 2;
    let calls = Arc::new(AtomicUsize::new(0));
    let asymmetric = mode % 4 == 2;
    let (server, issuer) = service_server(real_rsa, asymmetric, calls.clone());
    let cases = route_cases();
    let fixtures = service_fixtures();
    let partner =
        TestPartner::new("QoinSnap").with_client_secret(ClientSecret::new(SERVICE_SECRET));
    let partner = if real_rsa {
        partner.with_private_key(ArcSigner(fixtures.private.clone()))
    } else {
        partner.with_private_key(FastRsa)
    };
    let offset = i64::from(s.byte() as i8) * i64::from(s.byte());
    let ts = timestamp_at(SERVICE_NOW + time::Duration::seconds(offset));
    let route = usize::from(s.byte()) % cases.len();
    let case = &cases[route];
    let mut body = fixtures.bodies[route].clone();
    if s.byte().is_multiple_of(4) {
        body = s.text().into_bytes();
    }
    let external_id = match s.byte() % 4 {
        0 => s.text(),
        _ => format!("4180755335895009318416218079{:04}", s.byte()),
    };
    let (request, signed) = match mode % 4 {
        0 => {
            let method = match s.byte() % 5 {
                0 => Method::GET,
                1 => Method::PUT,
                2 => Method::from_bytes(s.text().as_bytes()).unwrap_or(Method::POST),
                _ => Method::POST,
            };
            let path = match s.byte() % 3 {
                0 => s.text(),
                1 => TOKEN_PATH.to_owned(),
                _ => case.path.to_owned(),
            };
            let mut builder = Request::builder().method(method).uri(path);
            for _ in 0..s.byte() % 8 {
                let (name, value) = (s.text(), s.text());
                if let (Ok(n), Ok(v)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_bytes(value.as_bytes()),
                ) {
                    builder = builder.header(n, v);
                }
            }
            let Ok(request) = builder.body(Full::new(Body::from(s.0.to_vec()))) else {
                return false;
            };
            (request, None)
        }
        3 => {
            let Ok(mut signed) = partner.token_request(TOKEN_PATH, &ts) else {
                return false;
            };
            tweak(&mut signed, &mut s);
            let Ok(request) = signed.clone().into_request() else {
                return false;
            };
            (request, None)
        }
        m => {
            let token = (m == 1).then(|| issuer.token(SERVICE_NOW));
            let Ok(mut signed) =
                partner.notification(case.path, token.as_deref(), body.clone(), &ts, &external_id)
            else {
                return false;
            };
            let untouched = !tweak(&mut signed, &mut s);
            let Ok(request) = signed.clone().into_request() else {
                return false;
            };
            // A request as signed, in the window, whose body passes validation, must reach the
            // handler.
            let deliverable = untouched && offset.abs() <= 300 && (case.valid)(&signed.body);
            let idempotency_key_ok = external_id.parse::<snap_types::ExternalId>().is_ok();
            (request, Some((deliverable && idempotency_key_ok, signed)))
        }
    };
    let path = request.uri().path().to_owned();
    let again = clone_request(&request);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let (first, second) = runtime.block_on(async {
        let first = ask(&server, request).await;
        let calls_after_first = calls.load(Ordering::SeqCst);
        let second = ask(&server, again).await;
        assert_eq!(
            calls.load(Ordering::SeqCst),
            calls_after_first,
            "the handler ran again for the same request"
        );
        (first, second)
    });
    let code = first.body["responseCode"]
        .as_str()
        .unwrap_or_else(|| panic!("no responseCode: {}", first.body));
    assert!(
        first.body["responseMessage"].is_string(),
        "no responseMessage: {}",
        first.body
    );
    assert!(
        first.status < 500,
        "a {} for a client's request: {}",
        first.status,
        first.body
    );
    assert!(
        code.len() == 7 && code.starts_with(&first.status.to_string()),
        "responseCode {code} with status {}",
        first.status
    );
    let service = if path == TOKEN_PATH {
        "73".to_owned()
    } else {
        cases
            .iter()
            .find(|c| c.path == path)
            .map_or_else(|| "00".to_owned(), |c| c.service.to_string())
    };
    assert_eq!(
        &code[3..5],
        service,
        "service code of {path}: {}",
        first.body
    );
    let ran = calls.load(Ordering::SeqCst);
    assert!(ran <= 1);
    match signed {
        Some((deliverable, signed)) => {
            if ran == 1 {
                // The oracle: the delivered request verifies on its own.
                assert!(
                    (case.valid)(&signed.body),
                    "the handler ran for an invalid body"
                );
                assert!(
                    delivered_signature_verifies(&signed, real_rsa, asymmetric),
                    "the handler ran for a bad signature"
                );
                assert!(
                    (200..300).contains(&first.status),
                    "handled but answered {}",
                    first.status
                );
            }
            if deliverable {
                assert_eq!(
                    ran, 1,
                    "a correct request did not reach the handler: {}",
                    first.body
                );
            }
        }
        None => assert_eq!(
            ran, 0,
            "the handler ran for an unsigned request: {}",
            first.body
        ),
    }
    assert_eq!(
        first.status, second.status,
        "the same request answered differently"
    );
    if path != TOKEN_PATH || first.status >= 300 {
        assert_eq!(
            first.body, second.body,
            "the same request answered differently"
        );
    }
    ran == 1
}

// Whether the request as delivered (first value of each header, as a server reads them) carries
// a valid signature of the partner, checked with snap-crypto directly.
fn delivered_signature_verifies(signed: &SignedRequest, real_rsa: bool, asymmetric: bool) -> bool {
    let header = |name: &str| signed.headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(ts), Some(signature)) = (header("x-timestamp"), header("x-signature")) else {
        return false;
    };
    let request = snap_crypto::ServiceRequest::new(signed.method.as_str(), &signed.path)
        .with_body(&signed.body)
        .with_timestamp(ts);
    if asymmetric {
        return if real_rsa {
            let public = service_fixtures().private.public_key();
            snap_crypto::verify(&request, signature, &public).is_ok()
        } else {
            snap_crypto::verify(&request, signature, &FastRsa).is_ok()
        };
    }
    let Some(authorization) = header("authorization").map(str::trim) else {
        return false;
    };
    let Some(token) = authorization
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("bearer "))
        .map(|_| authorization[7..].trim_start())
    else {
        return false;
    };
    let secret = ClientSecret::new(SERVICE_SECRET);
    snap_crypto::verify(&request.with_token(token), signature, &secret).is_ok()
}

fn clone_request(request: &Request<Full<Body>>) -> Request<Full<Body>> {
    let mut builder = Request::builder()
        .method(request.method().clone())
        .uri(request.uri().clone());
    if let Some(headers) = builder.headers_mut() {
        *headers = request.headers().clone();
    }
    // Full's data is not reachable without consuming it; the callers keep the bytes themselves.
    builder
        .body(request.body().clone())
        .unwrap_or_else(|e| panic!("{e}"))
}
