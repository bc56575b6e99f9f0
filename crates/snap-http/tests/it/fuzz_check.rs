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
            let header = if b.byte() % 2 == 0 {
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
            let claims: serde_json::Value = serde_json::from_slice(payload)
                .unwrap_or_else(|e| panic!("a payload that is not JSON verified: {e}"));
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
