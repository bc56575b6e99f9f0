//! `snapbi call` against a snap-http server on loopback that verifies every signature.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use http::Method;
use snap_crypto::{ClientSecret, RsaPublicKey};
use snap_http::{Fields, Outcome, Partner, SnapServer};
use snap_types::{Case, CreateVaRequest, QrMpmGenerateRequest};

const CLIENT_ID: &str = "7fb118fb-2738-4886-9817-8a2c4de43001";
const SECRET: &str = "call-test-secret";
const QR: &str = "00020101021226620013ID.FINPAY.WWW01189360077732007160010212FM20071600010303UKE51410014ID.CO.QRIS.WWW0212ID12345678910303UKE520458145303360540410005502025602505802ID5909Test Sogi6015JAKARTA SELATAN61051271062100706finnet630490FF";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A provider with QoinHub's create VA (answering `409` for trxId `dup`) and Finpay's generate.
async fn provider(token_path: &str) -> String {
    let public = RsaPublicKey::from_file(fixtures().join("keys/rsa2048-public.pem")).unwrap();
    let server = SnapServer::builder()
        .token_path(Some(token_path))
        .partner(
            Partner::new(CLIENT_ID)
                .unwrap()
                .with_public_key(public)
                .with_client_secret(ClientSecret::new(SECRET)),
        )
        .route::<CreateVaRequest, _, _, Infallible>(
            Method::POST,
            "/ordersnap/api/v1.0/transfer-va/create-va",
            |_ctx, request| async move {
                if request.trx_id == "dup" {
                    return Ok(Outcome::business(Case::Conflict, ""));
                }
                let data = serde_json::json!({"virtualAccountNo": "2035241100000664549"});
                Ok(Outcome::success_with(
                    Fields::new().with("virtualAccountData", &data).unwrap(),
                ))
            },
        )
        .route::<QrMpmGenerateRequest, _, _, Infallible>(
            Method::POST,
            "/pg/payment/card/v1.0/qr/qr-mpm-generate",
            |_ctx, _request| async move {
                Ok(Outcome::success_with(
                    Fields::new().with("qrContent", &QR).unwrap(),
                ))
            },
        )
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(snap_http::serve(listener, server, std::future::pending()));
    base
}

/// Writes a config (and its secret file) into `dir`.
fn write_config(dir: &Path, name: &str, base: &str, extra: &str) -> PathBuf {
    std::fs::write(dir.join("client.secret"), format!("{SECRET}\n")).unwrap();
    let key = fixtures().join("keys/rsa2048-pkcs8.pem");
    let text = format!(
        "base_url = \"{base}\"\nclient_id = \"{CLIENT_ID}\"\nchannel_id = \"95221\"\nprivate_key_file = {key:?}\n{extra}\n"
    );
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

async fn snap_call(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_snapbi"))
            .arg("call")
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn args(profile: &str, operation: &str, config: &Path, body: Option<&Path>) -> Vec<String> {
    let mut out = vec![
        profile.to_owned(),
        operation.to_owned(),
        "--config".into(),
        config.display().to_string(),
    ];
    if let Some(body) = body {
        out.push("--body".into());
        out.push(body.display().to_string());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_a_provider_and_reports_by_exit_code() {
    let base = provider("/ordersnap/api/v1.0/access-token/b2b").await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "c1.toml",
        &base,
        "client_secret_file = \"client.secret\"",
    );

    // token
    let out = snap_call(args("qoinhub", "token", &config, None)).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["responseCode"], "2007300");
    assert!(answer["accessToken"].is_string());

    // create-va with the seed body, sent as written
    let seed = fixtures().join("examples/002-qoinhub-create-va-request.json");
    let out = snap_call(args("qoinhub", "create-va", &config, Some(&seed))).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["responseCode"], "2002700");
    assert_eq!(
        answer["virtualAccountData"]["virtualAccountNo"],
        "2035241100000664549"
    );

    // a provider rejection: the answer is printed, code and message on stderr, exit 1
    let dup = dir.path().join("dup.json");
    let text = std::fs::read_to_string(&seed)
        .unwrap()
        .replace("\"test1\"", "\"dup\"");
    std::fs::write(&dup, text).unwrap();
    let out = snap_call(args("qoinhub", "create-va", &config, Some(&dup))).await;
    assert_eq!(out.status.code(), Some(1));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["responseCode"], "4092700");
    assert!(String::from_utf8_lossy(&out.stderr).contains("4092700"));

    // Finpay generate: the QRIS in the answer is CRC-checked
    let seed = fixtures().join("examples/003-finpay-qr-mpm-generate-request.json");
    let finpay_base = provider("/snap/oauth/v1.0/access-token/b2b").await;
    let finpay = write_config(
        dir.path(),
        "c2.toml",
        &finpay_base,
        "client_secret_file = \"client.secret\"\norigin = \"www.example.com\"\nrequest_timeout_secs = 5",
    );
    let out = snap_call(args("finpay", "generate-qr", &finpay, Some(&seed))).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("630490FF"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_and_config_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let base = "http://127.0.0.1:9";
    let seed = fixtures().join("examples/002-qoinhub-create-va-request.json");

    let inline = write_config(
        dir.path(),
        "c3.toml",
        base,
        "client_secret = \"in the clear\"",
    );
    let out = snap_call(args("qoinhub", "token", &inline, None)).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never read from the config text"));

    let config = write_config(
        dir.path(),
        "c4.toml",
        base,
        "client_secret_file = \"client.secret\"",
    );
    let out = snap_call(args("qoinhub", "create-va", &config, None)).await;
    assert_eq!(out.status.code(), Some(2), "--body is required");

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, br#"{"trxId": 5}"#).unwrap();
    let out = snap_call(args("qoinhub", "create-va", &config, Some(&bad))).await;
    assert_eq!(out.status.code(), Some(2));

    let out = snap_call(args("finpay", "create-va", &config, Some(&seed))).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "Finpay's profile has no create-VA path"
    );

    let out = snap_call(args("dana", "token", &config, None)).await;
    assert_eq!(out.status.code(), Some(2));

    let no_secret = write_config(dir.path(), "c5.toml", base, "");
    let out = snap_call(args("qoinhub", "token", &no_secret, None)).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "symmetric profiles need a client secret"
    );

    // Nothing listens on port 9: no answer is exit 1, not 2.
    let out = snap_call(args("qoinhub", "token", &config, None)).await;
    assert_eq!(out.status.code(), Some(1));
}
