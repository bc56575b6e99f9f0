//! `snapbi receive` and `snapbi inbox`: real receiver processes on loopback.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use snap_crypto::{ClientSecret, RsaPrivateKey};
use snap_http::testing::{TestPartner, timestamp_at};

pub(crate) const SNAP: &str = env!("CARGO_BIN_EXE_snapbi");
const SECRET: &str = "receiver-test-secret";

pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A data directory with keys, secrets and a config; `extra` is appended to the config.
pub(crate) fn setup(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures().join("keys/rsa2048-public.pem"),
        dir.path().join("partner.pub.pem"),
    )
    .unwrap();
    std::fs::write(dir.path().join("partner.secret"), format!("{SECRET}\n")).unwrap();
    std::fs::write(
        dir.path().join("token.key"),
        "receiver-token-key-of-at-least-32-bytes",
    )
    .unwrap();
    std::fs::write(dir.path().join("forward.key"), "forward-secret").unwrap();
    let config = format!(
        r#"listen = "127.0.0.1:0"
prefix = "/api"
data_dir = "data"
token_key_file = "token.key"
forward_secret_file = "forward.key"
{extra}
[[partners]]
client_id = "QoinSnap"
public_key_file = "partner.pub.pem"
client_secret_file = "partner.secret"
channels = ["95221"]
"#
    );
    std::fs::write(dir.path().join("receiver.toml"), config).unwrap();
    dir
}

pub(crate) struct Receiver {
    pub(crate) child: Child,
    pub(crate) base: String,
}

impl Receiver {
    pub(crate) fn start(dir: &Path, args: &[&str]) -> Self {
        let mut child = Command::new(SNAP)
            .args(["receive", "--config"])
            .arg(dir.join("receiver.toml"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line.trim().rsplit(' ').next().unwrap().to_owned();
        assert!(base.starts_with("http://127.0.0.1:"), "{line}");
        Self { child, base }
    }

    pub(crate) fn terminate(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "graceful shutdown exits 0: {status}");
    }

    pub(crate) fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn partner() -> TestPartner {
    let pem = std::fs::read(fixtures().join("keys/rsa2048-pkcs8.pem")).unwrap();
    TestPartner::new("QoinSnap")
        .with_channel_id(Some("95221"))
        .with_private_key(RsaPrivateKey::parse(&pem).unwrap())
        .with_client_secret(ClientSecret::new(SECRET))
}

pub(crate) type HttpClient = Client<HttpConnector, Full<Bytes>>;

pub(crate) fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

pub(crate) async fn send(
    client: &HttpClient,
    request: http::Request<Full<Bytes>>,
) -> Result<(u16, String), String> {
    let response = client.request(request).await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

pub(crate) fn now() -> String {
    timestamp_at(snap_crypto::Clock::now(&snap_crypto::SystemClock))
}

pub(crate) async fn token(client: &HttpClient, base: &str) -> String {
    let request = partner()
        .token_request("/api/v1.0/access-token/b2b", &now())
        .unwrap();
    let (status, body) = send(client, request.into_request_to(base).unwrap())
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    json["accessToken"].as_str().unwrap().to_owned()
}

pub(crate) fn va_body(trx_id: &str) -> Vec<u8> {
    let seed =
        std::fs::read_to_string(fixtures().join("examples/000-qoinhub-va-payment-request.json"))
            .unwrap();
    seed.replace("\"abcdefgh0017\"", &format!("\"{trx_id}\""))
        .into_bytes()
}

pub(crate) async fn notify(
    client: &HttpClient,
    base: &str,
    token: &str,
    external_id: &str,
    body: Vec<u8>,
) -> Result<(u16, String), String> {
    let request = partner()
        .notification(
            "/api/v1.0/transfer-va/payment",
            Some(token),
            body,
            &now(),
            external_id,
        )
        .unwrap();
    send(client, request.into_request_to(base).unwrap()).await
}

pub(crate) fn inbox(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(SNAP)
        .arg("inbox")
        .args(args)
        .arg("--data")
        .arg(dir.join("data"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

pub(crate) fn listed(dir: &Path) -> Vec<serde_json::Value> {
    let (code, out) = inbox(dir, &["list", "--json"]);
    assert_eq!(code, 0);
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn identical_retry_after_restart_gets_the_original_response() {
    let dir = setup("");
    let client = client();
    let receiver = Receiver::start(dir.path(), &[]);
    let token = token(&client, &receiver.base).await;
    let (status, first) = notify(&client, &receiver.base, &token, "1001", va_body("trx-1"))
        .await
        .unwrap();
    assert_eq!(status, 200, "{first}");
    assert!(first.starts_with(r#"{"responseCode":"2002500""#), "{first}");
    assert!(first.contains("virtualAccountData"), "{first}");
    // The receiver has the redb file to itself; inbox reads it through the receiver's socket.
    let socket = dir.path().join("data/notifications.redb.sock");
    assert!(socket.exists());
    let running = listed(dir.path());
    assert_eq!(running.len(), 1);
    assert_eq!(running[0]["externalId"], "1001");
    let (code, shown) = inbox(dir.path(), &["show", "1"]);
    assert_eq!(code, 0);
    assert!(shown.contains("trx-1"), "{shown}");
    receiver.terminate();
    assert!(!socket.exists(), "removed at shutdown");

    let receiver = Receiver::start(dir.path(), &[]);
    let token = token_again(&client, &receiver.base).await;
    let (status, again) = notify(&client, &receiver.base, &token, "1001", va_body("trx-1"))
        .await
        .unwrap();
    assert_eq!(
        (status, again.as_str()),
        (200, first.as_str()),
        "the original response, byte for byte"
    );
    let (status, conflict) = notify(&client, &receiver.base, &token, "1001", va_body("trx-2"))
        .await
        .unwrap();
    assert_eq!(status, 409, "{conflict}");
    assert!(conflict.contains("4092500"), "{conflict}");
    receiver.terminate();

    let stored = listed(dir.path());
    assert_eq!(
        stored.len(),
        1,
        "the same notification is never stored twice"
    );
    assert_eq!(stored[0]["externalId"], "1001");
    let (code, shown) = inbox(dir.path(), &["show", "1"]);
    assert_eq!(code, 0);
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["body"]["trxId"], "trx-1");
    assert_eq!(inbox(dir.path(), &["show", "9"]).0, 1);
}

async fn token_again(client: &HttpClient, base: &str) -> String {
    token(client, base).await
}

/// Notifications under load, SIGKILL at a random moment, restart: every acknowledged notification is
/// in the store exactly once, and whatever else is there is complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_nothing_acknowledged() {
    let dir = setup("");
    let client = client();
    let receiver = Receiver::start(dir.path(), &[]);
    let token = Arc::new(token(&client, &receiver.base).await);
    let base = Arc::new(receiver.base.clone());
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (client, token, base, acknowledged, stop, counter) = (
            client.clone(),
            token.clone(),
            base.clone(),
            acknowledged.clone(),
            stop.clone(),
            counter.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let external_id = format!("{}", 5_000_000 + n);
                match notify(
                    &client,
                    &base,
                    &token,
                    &external_id,
                    va_body(&format!("crash-{n}")),
                )
                .await
                {
                    Ok((200, _)) => acknowledged.lock().unwrap().push(external_id),
                    Ok((status, body)) => panic!("unexpected answer {status}: {body}"),
                    Err(_) => break, // the receiver died mid-request: not acknowledged
                }
            }
        }));
    }
    let pause = 300 + u64::from(std::process::id() % 500);
    tokio::time::sleep(Duration::from_millis(pause)).await;
    // Reading the store meanwhile (through the receiver) neither fails nor stops the load.
    let dir_path = dir.path().to_owned();
    let (code, during) = tokio::task::spawn_blocking(move || inbox(&dir_path, &["list", "--json"]))
        .await
        .unwrap();
    assert_eq!(code, 0);
    assert!(during.lines().count() > 0);
    let before = counter.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(counter.load(Ordering::Relaxed) > before, "still accepting");
    receiver.kill();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 10,
        "load was too light: {}",
        acknowledged.len()
    );

    // Restart once (redb recovers the file; the killed receiver's socket is replaced), read the
    // store through it, then offline: the same records.
    let restarted = Receiver::start(dir.path(), &[]);
    let (code, export) = inbox(dir.path(), &["export"]);
    assert_eq!(code, 0);
    restarted.terminate();
    let (code, offline) = inbox(dir.path(), &["export"]);
    assert_eq!(code, 0);
    assert_eq!(offline, export);
    let exported: Vec<serde_json::Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut seen = std::collections::HashMap::new();
    for entry in &exported {
        let id = entry["externalId"].as_str().unwrap().to_owned();
        *seen.entry(id.clone()).or_insert(0) += 1;
        let n: u64 = id.parse().unwrap();
        assert_eq!(
            entry["body"]["trxId"],
            format!("crash-{}", n - 5_000_000),
            "complete record"
        );
        let body = serde_json::to_vec(&entry["body"]).unwrap();
        assert!(!body.is_empty());
    }
    for id in &acknowledged {
        assert_eq!(
            seen.get(id),
            Some(&1),
            "acknowledged {id} must be stored exactly once"
        );
    }
    assert!(seen.values().all(|&count| count == 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_retries_until_the_target_recovers() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let received = Arc::new(std::sync::Mutex::new(Vec::<(String, Bytes)>::new()));
    let target = {
        let (attempts, received) = (attempts.clone(), received.clone());
        forward_target(move |headers, body| {
            let signature = headers
                .get("x-snap-forward-signature")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let n = attempts.fetch_add(1, Ordering::SeqCst);
            let status = if n < 2 { 503 } else { 200 };
            if status == 200 {
                received.lock().unwrap().push((signature, body.clone()));
            }
            status
        })
        .await
    };
    let dir = setup("");
    let client = client();
    let receiver = Receiver::start(dir.path(), &["--forward", &target]);
    let token = token(&client, &receiver.base).await;
    let (status, body) = notify(&client, &receiver.base, &token, "2001", va_body("fwd-1"))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    // Failures back off 1 s then 2 s: delivered on the third attempt within a few seconds.
    for _ in 0..100 {
        if !received.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (signature, payload) = received
        .lock()
        .unwrap()
        .first()
        .cloned()
        .expect("delivered after retries");
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
    let envelope: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(envelope["notification"]["trxId"], "fwd-1");
    assert_eq!(envelope["externalId"], "2001");
    // The documented signature: HMAC-SHA256(secret, "<t>.<body>") in lower-case hex.
    let (t, v1) = signature.split_once(",v1=").unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"forward-secret");
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(&payload);
    let expected: String = ring::hmac::sign(&key, &message)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, expected);
    // Delivery state is stored (a graceful stop lets the forwarder finish its pass).
    receiver.terminate();
    let stored = listed(dir.path());
    assert_eq!(stored[0]["delivery"]["status"], "delivered");
    assert_eq!(stored[0]["delivery"]["attempts"], 3);
}

/// A forward target on loopback (its URL returned) answering each delivery with the status
/// `answer` picks from the request's headers and body.
async fn forward_target(
    answer: impl Fn(&http::HeaderMap, &Bytes) -> u16 + Send + Sync + 'static,
) -> String {
    use hyper::service::service_fn;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/snap", listener.local_addr().unwrap());
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let answer = answer.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let answer = answer.clone();
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = body.collect().await.unwrap().to_bytes();
                        let mut response = http::Response::new(Full::new(Bytes::new()));
                        *response.status_mut() =
                            http::StatusCode::from_u16(answer(&parts.headers, &body)).unwrap();
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    url
}

/// A forward target that answers 503 until `up` is set, then 200, and counts the deliveries it
/// accepted per `trxId`.
async fn switchable_target() -> (
    String,
    Arc<AtomicBool>,
    Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
) {
    let up = Arc::new(AtomicBool::new(false));
    let accepted = Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let (up_, accepted_) = (up.clone(), accepted.clone());
    let url = forward_target(move |_, body| {
        if !up_.load(Ordering::SeqCst) {
            return 503;
        }
        let envelope: serde_json::Value = serde_json::from_slice(body).unwrap();
        let trx = envelope["notification"]["trxId"]
            .as_str()
            .unwrap()
            .to_owned();
        *accepted_.lock().unwrap().entry(trx).or_insert(0) += 1;
        200
    })
    .await;
    (url, up, accepted)
}

/// The embedded store's outbox is at-least-once across a crash: notifications acknowledged while
/// the forward target was down, by a receiver then killed with SIGKILL, are all forwarded by the
/// restarted receiver once the target is up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_resumes_after_a_sigkill() {
    let (url, up, accepted) = switchable_target().await;
    let dir = setup("");
    let client = client();
    let receiver = Receiver::start(dir.path(), &["--forward", &url]);
    let token = token(&client, &receiver.base).await;
    let ids: Vec<String> = (0..5).map(|n| format!("crash-fwd-{n}")).collect();
    for (n, trx) in ids.iter().enumerate() {
        let (status, body) = notify(
            &client,
            &receiver.base,
            &token,
            &format!("31{n}"),
            va_body(trx),
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{body}");
    }
    // Let the forwarder fail at least once, then kill the receiver without warning.
    tokio::time::sleep(Duration::from_millis(300)).await;
    receiver.kill();
    assert!(
        accepted.lock().unwrap().is_empty(),
        "delivered while the target was down"
    );

    up.store(true, Ordering::SeqCst);
    let receiver = Receiver::start(dir.path(), &["--forward", &url]);
    for _ in 0..300 {
        if accepted.lock().unwrap().len() == ids.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let delivered = accepted.lock().unwrap().clone();
    for trx in &ids {
        assert!(
            delivered.contains_key(trx),
            "{trx} was acknowledged but never forwarded: {delivered:?}"
        );
    }
    receiver.terminate();
    let stored = listed(dir.path());
    assert_eq!(stored.len(), ids.len());
    for record in &stored {
        assert_eq!(record["delivery"]["status"], "delivered", "{record}");
    }
}

#[test]
fn config_errors_name_the_field_before_listening() {
    let dir = setup("");
    let check = |dir: &Path| {
        Command::new(SNAP)
            .args(["receive", "--check", "--config"])
            .arg(dir.join("receiver.toml"))
            .output()
            .unwrap()
    };
    let ok = check(dir.path());
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let config = std::fs::read_to_string(dir.path().join("receiver.toml")).unwrap();
    for (from, to, field) in [
        (
            "partner.pub.pem",
            "missing.pem",
            "partners[0].public_key_file",
        ),
        (
            "client_secret_file = \"partner.secret\"",
            "client_secret = \"inline\"",
            "partners[0].client_secret",
        ),
        ("listen = \"127.0.0.1:0\"", "listen = \"here\"", "listen"),
    ] {
        std::fs::write(dir.path().join("receiver.toml"), config.replace(from, to)).unwrap();
        let out = check(dir.path());
        assert_eq!(out.status.code(), Some(2), "{field}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(field),
            "{field}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let missing = Command::new(SNAP)
        .args(["receive", "--config", "/nonexistent/receiver.toml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

/// Every request leaves one log line (JSON with --log-format json), and no line carries a
/// signature, token or secret.
#[tokio::test]
async fn requests_are_logged_without_secrets() {
    use std::io::Read as _;
    let dir = setup("");
    let mut child = Command::new(SNAP)
        .args(["receive", "--log-format", "json", "--config"])
        .arg(dir.path().join("receiver.toml"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    let client = client();
    let token = token(&client, &base).await;
    let request = partner()
        .notification(
            "/api/v1.0/transfer-va/payment",
            Some(&token),
            va_body("logged"),
            &now(),
            "3001",
        )
        .unwrap();
    let signature = request.header("x-signature").unwrap().to_owned();
    let (status, _) = send(&client, request.into_request_to(&base).unwrap())
        .await
        .unwrap();
    assert_eq!(status, 200);
    // A refusal is logged too.
    let mut forged = partner()
        .notification(
            "/api/v1.0/transfer-va/payment",
            Some(&token),
            va_body("forged"),
            &now(),
            "3002",
        )
        .unwrap();
    forged
        .set(http::HeaderName::from_static("x-signature"), "AAAA")
        .unwrap();
    let (status, _) = send(&client, forged.into_request_to(&base).unwrap())
        .await
        .unwrap();
    assert_eq!(status, 401);
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    child.wait().unwrap();
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let answered = |external_id: &str, status: u16| {
        lines.iter().any(|l| {
            l["span"]["external_id"] == external_id
                && l["status"] == status
                && l["span"]["path"] == "/api/v1.0/transfer-va/payment"
        })
    };
    assert!(answered("3001", 200), "{stderr}");
    assert!(answered("3002", 401), "{stderr}");
    for secret in [signature.as_str(), token.as_str(), SECRET, "Bearer"] {
        assert!(!stderr.contains(secret), "{secret:?} logged: {stderr}");
    }
}

/// At start the receiver purges the answered claims of days before yesterday (Asia/Jakarta, by
/// its clock); today's claims and every notification stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_claims_are_purged_at_start() {
    use snap_http::{Claim, Fingerprint, ReceivedRequest, ReplayKey, ReplayStore, StoredResponse};
    use snap_store::NotificationStore;

    let dir = setup("");
    let file = dir.path().join("data/notifications.redb");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let received = snap_crypto::Clock::now(&snap_crypto::SystemClock);
    let today = snap_types::jakarta_date(received);
    let old = today - time::Duration::days(2);
    let key =
        |id: &str, date| ReplayKey::new("QoinSnap".parse().unwrap(), id.parse().unwrap(), date);
    let fingerprint = Fingerprint::from_bytes([7; 32]);
    let answer = StoredResponse {
        status: 200,
        body: Bytes::from_static(br#"{"responseCode":"2002500"}"#),
    };
    {
        let store = NotificationStore::open_redb(&file).unwrap();
        for (id, date) in [("7001", old), ("7002", today)] {
            let k = key(id, date);
            assert_eq!(store.claim(&k, fingerprint).await.unwrap(), Claim::New);
            let request = ReceivedRequest::new(
                snap_types::ServiceCode::TRANSFER_VA_PAYMENT,
                k,
                "/api/v1.0/transfer-va/payment",
                fingerprint,
                now().parse().unwrap(),
                received,
                Bytes::from(va_body(id)),
            );
            store.record(&request, answer.clone()).await.unwrap();
        }
    }
    Receiver::start(dir.path(), &[]).terminate();

    let store = NotificationStore::open_redb(&file).unwrap();
    assert_eq!(
        store.claim(&key("7001", old), fingerprint).await.unwrap(),
        Claim::New,
        "the claim of two days ago was purged"
    );
    assert_eq!(
        store.claim(&key("7002", today), fingerprint).await.unwrap(),
        Claim::Duplicate(answer)
    );
    assert_eq!(
        store.list(None, 10).await.unwrap().len(),
        2,
        "notifications are kept"
    );
}
