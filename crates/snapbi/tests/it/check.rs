//! `snapbi check`: it passes against a real `snapbi receive` process, and it catches merchants
//! that skip signature checks, accept stale timestamps, or are not idempotent (small merchants
//! written here, each broken in one way, on loopback).

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use snap_crypto::{AuthRequest, ClientSecret, RsaPublicKey, ServiceRequest};

const SNAP: &str = env!("CARGO_BIN_EXE_snapbi");
const SECRET: &str = "check-test-secret";
const PROVIDER: &str = "SNAPSANDBOX";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The provider's credentials for `snapbi check`, and the merchant's for `snapbi receive`.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(
        fixtures().join("keys/rsa2048-pkcs8.pem"),
        d.join("provider.pem"),
    )
    .unwrap();
    std::fs::copy(
        fixtures().join("keys/rsa2048-public.pem"),
        d.join("provider.pub.pem"),
    )
    .unwrap();
    std::fs::write(d.join("callback.secret"), format!("{SECRET}\n")).unwrap();
    std::fs::write(
        d.join("token.key"),
        "receiver-token-key-of-at-least-32-bytes",
    )
    .unwrap();
    std::fs::write(
        d.join("check.toml"),
        format!(
            "client_id = \"{PROVIDER}\"\nprivate_key_file = \"provider.pem\"\n\
             client_secret_file = \"callback.secret\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("receiver.toml"),
        format!(
            "listen = \"127.0.0.1:0\"\nprefix = \"/api\"\ndata_dir = \"data\"\n\
             token_key_file = \"token.key\"\n[[partners]]\nclient_id = \"{PROVIDER}\"\n\
             public_key_file = \"provider.pub.pem\"\nclient_secret_file = \"callback.secret\"\n"
        ),
    )
    .unwrap();
    dir
}

/// Runs `snapbi check --json`; the exit code and the report.
fn check(dir: &Path, callback: &str, profile: &str) -> (i32, serde_json::Value) {
    let out = Command::new(SNAP)
        .args([
            "check",
            "--json",
            "--profile",
            profile,
            "--callback",
            callback,
            "--config",
        ])
        .arg(dir.join("check.toml"))
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), report)
}

/// The ids of the required scenarios that did not pass.
fn failing(report: &serde_json::Value) -> Vec<String> {
    report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["required"] == true && s["verdict"] != "pass")
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

struct Receiver(Child);

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn passes_against_snapbi_receive() {
    let dir = setup();
    let mut child = Command::new(SNAP)
        .args(["receive", "--config"])
        .arg(dir.path().join("receiver.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _receiver = Receiver(child);
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    for profile in ["qoinhub", "finpay"] {
        let (code, report) = check(dir.path(), &format!("{base}/api"), profile);
        assert_eq!(
            failing(&report),
            Vec::<String>::new(),
            "{profile}: {report:#}"
        );
        assert_eq!(code, 0, "{report:#}");
        assert_eq!(report["passed"], true);
        let ids: Vec<&str> = report["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        let main = if profile == "qoinhub" {
            "va-payment"
        } else {
            "qr-notify"
        };
        for id in [
            "token.valid",
            "token.stale-timestamp",
            "token.unknown-client",
        ] {
            assert!(ids.contains(&id), "{id} in {ids:?}");
        }
        for scenario in [
            "valid",
            "bad-signature",
            "body-changed",
            "stale-timestamp",
            "no-token",
            "expired-token",
            "missing-header",
            "invalid-field",
            "conflict",
            "retry",
            "concurrent",
        ] {
            let id = format!("{main}.{scenario}");
            assert!(ids.contains(&id.as_str()), "{id} in {ids:?}");
        }
        // The merchant's own rules are reported, never failed.
        let info: Vec<&serde_json::Value> = report["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["verdict"] == "info")
            .collect();
        assert_eq!(info.len(), 2, "{report:#}");
        assert!(
            info.iter()
                .all(|s| s["required"] == false && s["httpStatus"] == 200)
        );
    }
    // The text report says the same in lines a person reads.
    let out = Command::new(SNAP)
        .args([
            "check",
            "--profile",
            "qoinhub",
            "--callback",
            &format!("{base}/api"),
            "--config",
        ])
        .arg(dir.path().join("check.toml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{text}");
    assert!(text.contains("PASS  token.bad-signature"), "{text}");
    assert!(text.contains("expected 4017300 Unauthorized"), "{text}");
    assert!(text.contains("required scenarios passed"), "{text}");
}

#[test]
fn asymmetric_notifications_need_no_token() {
    let dir = setup();
    let d = dir.path();
    let provider = std::fs::read_to_string(d.join("check.toml")).unwrap();
    std::fs::write(
        d.join("check.toml"),
        format!("{provider}signature = \"asymmetric\"\n"),
    )
    .unwrap();
    let receiver = std::fs::read_to_string(d.join("receiver.toml")).unwrap();
    std::fs::write(
        d.join("receiver.toml"),
        format!("{receiver}signature = \"asymmetric\"\n"),
    )
    .unwrap();
    let mut child = Command::new(SNAP)
        .args(["receive", "--config"])
        .arg(d.join("receiver.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _receiver = Receiver(child);
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    let (code, report) = check(d, &format!("{base}/api"), "finpay");
    assert_eq!(failing(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(code, 0);
    let verdict = |id: &str| {
        report["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .map(|s| s["verdict"].clone())
    };
    // No token request, no token scenarios; the signature scenarios still run.
    assert_eq!(verdict("token"), Some("skip".into()));
    assert_eq!(verdict("qr-notify.no-token"), Some("skip".into()));
    assert_eq!(verdict("qr-notify.bad-signature"), Some("pass".into()));
    assert_eq!(verdict("qr-notify.body-changed"), Some("pass".into()));
}

/// How a test merchant is broken.
#[derive(Debug, Clone, Copy, Default)]
struct Breaks {
    /// Never verifies X-SIGNATURE.
    skip_signatures: bool,
    /// Accepts any X-TIMESTAMP.
    accept_stale: bool,
    /// Processes every notification as new, whatever its X-EXTERNAL-ID.
    forget_external_ids: bool,
    /// Refuses every repeated X-EXTERNAL-ID with 409, even an identical retry.
    refuse_retries: bool,
}

/// A small SNAP merchant (token B2B, VA payment 25, debit notify 56), correct unless `breaks`.
struct Merchant {
    breaks: Breaks,
    public_key: RsaPublicKey,
    secret: ClientSecret,
    tokens: Mutex<HashSet<String>>,
    /// X-EXTERNAL-ID -> (body, answer).
    seen: Mutex<HashMap<String, (Bytes, Answer)>>,
}

/// An HTTP status and a JSON body.
type Answer = (u16, String);

fn answer(status: u16, code: &str, message: &str) -> Answer {
    (
        status,
        serde_json::json!({ "responseCode": code, "responseMessage": message }).to_string(),
    )
}

fn fresh(timestamp: &str) -> bool {
    snap_crypto::parse_timestamp(timestamp).is_ok_and(|t| {
        (snap_crypto::Clock::now(&snap_crypto::SystemClock) - t).abs() < time::Duration::minutes(5)
    })
}

impl Merchant {
    fn handle(&self, path: &str, headers: &http::HeaderMap, body: Bytes) -> Answer {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        let timestamp = header("x-timestamp");
        if path.ends_with("/access-token/b2b") {
            let client = header("x-client-key");
            if client != PROVIDER {
                return answer(401, "4017300", "Unauthorized. [Unknown client]");
            }
            if !self.breaks.accept_stale && !fresh(timestamp) {
                return answer(401, "4017300", "Unauthorized. [Timestamp]");
            }
            if !self.breaks.skip_signatures
                && snap_crypto::verify_auth(
                    &AuthRequest::new(client).with_timestamp(timestamp),
                    header("x-signature"),
                    &self.public_key,
                )
                .is_err()
            {
                return answer(401, "4017300", "Unauthorized. [Signature]");
            }
            let token = format!("token-{}", self.tokens.lock().unwrap().len() + 1);
            self.tokens.lock().unwrap().insert(token.clone());
            let body = serde_json::json!({
                "responseCode": "2007300", "responseMessage": "Successful",
                "accessToken": token, "tokenType": "Bearer", "expiresIn": "900",
            });
            return (200, body.to_string());
        }
        let service = if path.ends_with("/transfer-va/payment") {
            "25"
        } else if path.ends_with("/debit/notify") {
            "56"
        } else {
            return answer(404, "4040002", "Invalid Routing");
        };
        let code = |status: u16, case: &str| format!("{status}{service}{case}");
        for name in [
            "x-timestamp",
            "x-signature",
            "x-partner-id",
            "x-external-id",
            "channel-id",
        ] {
            if header(name).is_empty() {
                return answer(400, &code(400, "02"), "Invalid Mandatory Field");
            }
        }
        let Some(token) = header("authorization").strip_prefix("Bearer ") else {
            return answer(401, &code(401, "03"), "Token Not Found (B2B)");
        };
        if !self.tokens.lock().unwrap().contains(token) {
            return answer(401, &code(401, "01"), "Invalid Token (B2B)");
        }
        if !self.breaks.accept_stale && !fresh(timestamp) {
            return answer(401, &code(401, "00"), "Unauthorized. [Timestamp]");
        }
        if !self.breaks.skip_signatures
            && snap_crypto::verify(
                &ServiceRequest::new("POST", path)
                    .with_token(token)
                    .with_body(&body)
                    .with_timestamp(timestamp),
                header("x-signature"),
                &self.secret,
            )
            .is_err()
        {
            return answer(401, &code(401, "00"), "Unauthorized. [Signature]");
        }
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) else {
            return answer(400, &code(400, "00"), "Bad Request");
        };
        let valid = match service {
            "25" => json["paidAmount"]["value"]
                .as_str()
                .is_some_and(|v| v.parse::<snap_types::Amount>().is_ok()),
            _ => json["createdTime"].is_string(),
        };
        if !valid {
            let case = if service == "25" { "01" } else { "02" };
            return answer(400, &code(400, case), "Invalid Field");
        }
        let external_id = header("x-external-id").to_owned();
        let success = answer(200, &code(200, "00"), "Successful");
        if self.breaks.forget_external_ids {
            return success;
        }
        let mut seen = self.seen.lock().unwrap();
        match seen.get(&external_id) {
            Some(_) if self.breaks.refuse_retries => answer(409, &code(409, "00"), "Conflict"),
            Some((stored, first)) if *stored == body => first.clone(),
            Some(_) => answer(409, &code(409, "00"), "Conflict"),
            None => {
                seen.insert(external_id, (body, success.clone()));
                success
            }
        }
    }
}

/// Serves a merchant broken as `breaks` on 127.0.0.1:0; its base URL.
async fn serve(breaks: Breaks) -> String {
    let merchant = Arc::new(Merchant {
        breaks,
        public_key: RsaPublicKey::from_file(fixtures().join("keys/rsa2048-public.pem")).unwrap(),
        secret: ClientSecret::new(SECRET),
        tokens: Mutex::default(),
        seen: Mutex::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let merchant = Arc::clone(&merchant);
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let merchant = Arc::clone(&merchant);
                async move {
                    let (parts, body) = request.into_parts();
                    let body = body
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let (status, text) = merchant.handle(parts.uri.path(), &parts.headers, body);
                    let mut response = Response::new(Full::new(Bytes::from(text)));
                    *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
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
    base
}

/// Runs the check against a merchant broken as `breaks`; the failing required scenarios.
async fn failing_against(breaks: Breaks) -> Vec<String> {
    let base = serve(breaks).await;
    let dir = setup();
    let (code, report) = tokio::task::spawn_blocking(move || check(dir.path(), &base, "qoinhub"))
        .await
        .unwrap();
    let failing = failing(&report);
    assert_eq!(code, i32::from(!failing.is_empty()), "{report:#}");
    assert_eq!(report["passed"], failing.is_empty());
    failing
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correct_small_merchant_passes() {
    assert_eq!(
        failing_against(Breaks::default()).await,
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catches_a_merchant_that_skips_signature_checks() {
    let breaks = Breaks {
        skip_signatures: true,
        ..Breaks::default()
    };
    assert_eq!(
        failing_against(breaks).await,
        [
            "token.bad-signature",
            "va-payment.bad-signature",
            "va-payment.body-changed"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catches_a_merchant_that_accepts_stale_timestamps() {
    let breaks = Breaks {
        accept_stale: true,
        ..Breaks::default()
    };
    assert_eq!(
        failing_against(breaks).await,
        ["token.stale-timestamp", "va-payment.stale-timestamp"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catches_a_merchant_that_is_not_idempotent() {
    let forgets = Breaks {
        forget_external_ids: true,
        ..Breaks::default()
    };
    assert_eq!(failing_against(forgets).await, ["va-payment.conflict"]);
    let refuses = Breaks {
        refuse_retries: true,
        ..Breaks::default()
    };
    assert_eq!(
        failing_against(refuses).await,
        ["va-payment.retry", "va-payment.concurrent"]
    );
}

#[test]
fn an_unreachable_merchant_fails_every_required_scenario() {
    let dir = setup();
    // Port 9 (discard) on loopback: nothing listens there in a test machine.
    let (code, report) = check(dir.path(), "http://127.0.0.1:9", "finpay");
    assert_eq!(code, 1);
    assert_eq!(report["passed"], false);
    let scenarios = report["scenarios"].as_array().unwrap();
    assert!(
        scenarios
            .iter()
            .filter(|s| s["required"] == true)
            .all(|s| s["verdict"] == "fail")
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = Command::new(SNAP)
        .args([
            "check",
            "--profile",
            "qoinhub",
            "--callback",
            "http://127.0.0.1:9",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--config or --demo is required");
    let dir = setup();
    std::fs::write(dir.path().join("check.toml"), "client_id = \"x\"\n").unwrap();
    let out = Command::new(SNAP)
        .args([
            "check",
            "--profile",
            "qoinhub",
            "--callback",
            "http://127.0.0.1:9",
            "--config",
        ])
        .arg(dir.path().join("check.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("private_key_file: missing"));
}
