//! `snapbi sandbox`: a real sandbox process on loopback, a merchant built from snap-http's server
//! receiving its notifications, snap-http's client and hand-signed requests calling it.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use snap_crypto::{ClientSecret, RsaPrivateKey, RsaPublicKey};
use snap_http::testing::{SignedRequest, TestPartner, timestamp_at};
use snap_http::{
    ClientConfig, JwtTokenIssuer, Outcome, Partner, ProviderProfile, SnapClient, SnapServer,
};
use snap_types::{
    Amount, CreateVaRequest, Money, QrMpmGenerateRequest, QrMpmQueryRequest, QrMpmRefundRequest,
};
use tokio::sync::oneshot;

const SNAP: &str = env!("CARGO_BIN_EXE_snapbi");
const MERCHANT: &str = "DEMO-MERCHANT";
const SANDBOX_ID: &str = "SNAPSANDBOX";

fn keys() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("demo-keys")
}

fn secret() -> String {
    std::fs::read_to_string(keys().join("demo-client-secret.txt"))
        .unwrap()
        .trim_end()
        .to_owned()
}

fn private_key() -> RsaPrivateKey {
    RsaPrivateKey::from_file(keys().join("demo-private.pem")).unwrap()
}

/// What the merchant received: service, X-EXTERNAL-ID, body.
type Inbox = Arc<Mutex<Vec<(String, String, Value)>>>;

/// A merchant: snap-http's server with the sandbox as its partner; answers 500 to the first
/// `fail_first` notifications.
struct Merchant {
    base: String,
    inbox: Inbox,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Merchant {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn merchant(fail_first: u32) -> Merchant {
    let inbox: Inbox = Arc::default();
    let fails = Arc::new(AtomicU32::new(fail_first));
    let record = |service: &'static str| {
        let inbox = Arc::clone(&inbox);
        let fails = Arc::clone(&fails);
        move |ctx: snap_http::RequestContext, _: Value| {
            let inbox = Arc::clone(&inbox);
            let fails = Arc::clone(&fails);
            async move {
                if fails
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
                {
                    return Err::<Outcome, snap_http::BoxError>("merchant down".into());
                }
                let body: Value = serde_json::from_slice(ctx.body()).unwrap();
                inbox.lock().unwrap().push((
                    service.to_owned(),
                    ctx.external_id().as_str().to_owned(),
                    body,
                ));
                Ok(Outcome::success())
            }
        }
    };
    let va = record("25");
    let qr = record("52");
    let debit = record("56");
    let server = SnapServer::builder()
        .prefix("/api")
        .token_issuer(JwtTokenIssuer::random().unwrap())
        .partner(
            Partner::new(SANDBOX_ID)
                .unwrap()
                .with_public_key(RsaPublicKey::from_file(keys().join("demo-public.pem")).unwrap())
                .with_client_secret(ClientSecret::new(&secret())),
        )
        .va_payment(move |ctx, _n| va(ctx, Value::Null))
        .qr_mpm_notify(move |ctx, _n| qr(ctx, Value::Null))
        .debit_notify(move |ctx, _n| debit(ctx, Value::Null))
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(snap_http::serve(listener, server, async {
        let _ = stopped.await;
    }));
    Merchant {
        base: format!("http://{addr}/api"),
        inbox,
        stop: Some(stop),
    }
}

/// A `snapbi sandbox --demo` process (killed on drop).
struct Sandbox {
    child: Child,
    addr: String,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sandbox(callback: &str) -> Sandbox {
    let mut child = Command::new(SNAP)
        .args([
            "sandbox",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--callback",
            callback,
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("snapbi sandbox listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Sandbox {
        child,
        addr,
        _stdout: stdout,
    }
}

/// Runs a `snapbi sandbox` admin subcommand against `sandbox`; exit code and stdout.
fn admin(sandbox: &Sandbox, args: &[&str]) -> (i32, String) {
    let out = Command::new(SNAP)
        .arg("sandbox")
        .args(args)
        .args(["--admin", &sandbox.addr])
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert_ne!(
        code,
        2,
        "snapbi sandbox {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, String::from_utf8(out.stdout).unwrap())
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn client(sandbox: &Sandbox, profile: ProviderProfile) -> SnapClient {
    let config = ClientConfig::builder()
        .base_url(&format!("http://{}", sandbox.addr))
        .client_id(MERCHANT.parse().unwrap())
        .channel_id("95221".parse().unwrap())
        .private_key(private_key())
        .client_secret(ClientSecret::new(&secret()))
        .profile(profile)
        .build()
        .unwrap();
    SnapClient::new(config).unwrap()
}

fn va_request(trx_id: &str, value: &str) -> CreateVaRequest {
    serde_json::from_value(json!({
        "virtualAccountName": "Jokul Doe",
        "virtualAccountEmail": "jokul@example.com",
        "virtualAccountPhone": "6281828384858",
        "trxId": trx_id,
        "totalAmount": {"value": value, "currency": "IDR"},
        "billDetails": [{"billName": "Bill A", "additionalInfo": {}}],
        "expiredDate": timestamp_at(snap_crypto::Clock::now(&snap_crypto::SystemClock) + time::Duration::days(1)),
        "additionalInfo": {"enabledh2hpayments": 4}
    }))
    .unwrap()
}

async fn create_va(client: &SnapClient, trx_id: &str, value: &str) -> String {
    let response = client.create_va(&va_request(trx_id, value)).await.unwrap();
    response
        .virtual_account_data
        .unwrap()
        .virtual_account_no
        .unwrap()
        .as_str()
        .to_owned()
}

async fn generate_qr(client: &SnapClient, partner_ref: &str, value: &str) -> String {
    let request = QrMpmGenerateRequest {
        partner_reference_no: Some(partner_ref.into()),
        amount: Some(Money::idr(value.parse::<Amount>().unwrap())),
        ..Default::default()
    };
    client
        .generate_qr(&request)
        .await
        .unwrap()
        .reference_no
        .unwrap()
}

/// Pays with `snapbi sandbox pay`, then waits for the delivery and returns it from the log.
fn pay_and_wait(sandbox: &Sandbox, target: &[&str]) -> (i32, Value) {
    let (code, out) = admin(sandbox, &[&["pay"][..], target].concat());
    assert_eq!(code, 0, "{out}");
    let id = json_of(&out)["deliveryId"].as_u64().unwrap();
    (code, wait_delivery(sandbox, id))
}

fn wait_delivery(sandbox: &Sandbox, id: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, out) = admin(sandbox, &["deliveries", "--json"]);
        let list = json_of(&out);
        let d = list
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id)
            .cloned()
            .unwrap();
        if d["state"] != "pending" || Instant::now() > deadline {
            return d;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn actions(delivery: &Value) -> Vec<String> {
    delivery["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                a["action"].as_str().unwrap(),
                a["responseCode"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn va_and_qr_payments_are_notified_with_retries_until_success() {
    let merchant = merchant(1).await;
    let sandbox = sandbox(&merchant.base);
    let qoinhub = client(&sandbox, ProviderProfile::qoinhub());
    let va = create_va(&qoinhub, "trx-retry", "10000.00").await;
    let (_, delivery) = pay_and_wait(&sandbox, &["--va", &va]);
    assert_eq!(delivery["state"], "delivered", "{delivery}");
    // The merchant failed once (500xx00): the sandbox retried with backoff.
    assert_eq!(actions(&delivery), ["sent 5002500", "sent 2002500"]);
    {
        let inbox = merchant.inbox.lock().unwrap();
        assert_eq!(inbox.len(), 1);
        let (service, external_id, body) = &inbox[0];
        assert_eq!(service, "25");
        assert_eq!(external_id, delivery["externalId"].as_str().unwrap());
        assert_eq!(
            body["paidAmount"],
            json!({"value": "10000.00", "currency": "IDR"})
        );
        assert_eq!(body["additionalInfo"]["paymentFlagStatus"], "00");
        assert_eq!(body["virtualAccountNo"], va.as_str());
    }
    // Paying the same VA again: 404xx14 Paid Bill.
    let (code, out) = admin(&sandbox, &["pay", "--va", &va]);
    assert_eq!(code, 1);
    assert_eq!(json_of(&out)["responseCode"], "4042514");

    // A QoinHub QR is notified with debit notify (seed 001), a Finpay QR with qr-mpm-notify.
    let qoin_ref = generate_qr(&qoinhub, "qoin-qr-1", "5000.00").await;
    let finpay = client(&sandbox, ProviderProfile::finpay());
    let fin_ref = generate_qr(&finpay, "fin-qr-1", "7500.00").await;
    for (reference, service) in [(&qoin_ref, "56"), (&fin_ref, "52")] {
        let (code, out) = admin(&sandbox, &["pay", "--qr", reference, "--wait"]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("delivered"), "{out}");
        let inbox = merchant.inbox.lock().unwrap();
        assert_eq!(inbox.last().unwrap().0, service);
    }
    let inbox = merchant.inbox.lock().unwrap();
    assert_eq!(inbox[1].2["additionalInfo"]["amount"]["value"], "5000.00");
    assert_eq!(inbox[2].2["amount"]["value"], "7500.00");
    assert_eq!(inbox[2].2["originalReferenceNo"], fin_ref.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_drop_first_n() {
    let merchant = merchant(0).await;
    let sandbox = sandbox(&merchant.base);
    let (code, out) = admin(&sandbox, &["fault", "--drop", "2"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(json_of(&out)["drop_first"], 2);
    let va = create_va(
        &client(&sandbox, ProviderProfile::qoinhub()),
        "trx-drop",
        "10000.00",
    )
    .await;
    let (_, delivery) = pay_and_wait(&sandbox, &["--va", &va]);
    assert_eq!(
        actions(&delivery),
        ["dropped -", "dropped -", "sent 2002500"]
    );
    assert_eq!(merchant.inbox.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_delay() {
    let merchant = merchant(0).await;
    let sandbox = sandbox(&merchant.base);
    assert_eq!(admin(&sandbox, &["fault", "--delay-ms", "600"]).0, 0);
    let va = create_va(
        &client(&sandbox, ProviderProfile::qoinhub()),
        "trx-delay",
        "10000.00",
    )
    .await;
    let started = Instant::now();
    let (code, out) = admin(&sandbox, &["pay", "--va", &va]);
    assert_eq!(code, 0, "{out}");
    assert!(
        merchant.inbox.lock().unwrap().is_empty(),
        "delivered before the delay"
    );
    let delivery = wait_delivery(&sandbox, json_of(&out)["deliveryId"].as_u64().unwrap());
    assert_eq!(delivery["state"], "delivered");
    assert!(started.elapsed() >= Duration::from_millis(600));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_duplicate() {
    let merchant = merchant(0).await;
    let sandbox = sandbox(&merchant.base);
    assert_eq!(admin(&sandbox, &["fault", "--duplicate"]).0, 0);
    let va = create_va(
        &client(&sandbox, ProviderProfile::qoinhub()),
        "trx-dup",
        "10000.00",
    )
    .await;
    let (_, delivery) = pay_and_wait(&sandbox, &["--va", &va]);
    std::thread::sleep(Duration::from_millis(300));
    let delivery = wait_delivery(&sandbox, delivery["id"].as_u64().unwrap());
    // The identical second request (same X-EXTERNAL-ID and body) gets the original answer back
    // from the merchant's replay store; its handler ran once.
    assert_eq!(actions(&delivery), ["sent 2002500", "duplicate 2002500"]);
    assert_eq!(merchant.inbox.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_wrong_amount() {
    let merchant = merchant(0).await;
    let sandbox = sandbox(&merchant.base);
    assert_eq!(admin(&sandbox, &["fault", "--wrong-amount"]).0, 0);
    let va = create_va(
        &client(&sandbox, ProviderProfile::qoinhub()),
        "trx-wrong",
        "10000.00",
    )
    .await;
    let (_, delivery) = pay_and_wait(&sandbox, &["--va", &va]);
    assert_eq!(delivery["state"], "delivered");
    let inbox = merchant.inbox.lock().unwrap();
    assert_eq!(inbox[0].2["paidAmount"]["value"], "10001.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_expired_va() {
    let merchant = merchant(0).await;
    let sandbox = sandbox(&merchant.base);
    let (code, out) = admin(&sandbox, &["fault", "--expired-va"]);
    assert_eq!(code, 0);
    assert_eq!(json_of(&out)["expired_va"], true);
    let va = create_va(
        &client(&sandbox, ProviderProfile::qoinhub()),
        "trx-exp",
        "10000.00",
    )
    .await;
    let (_, delivery) = pay_and_wait(&sandbox, &["--va", &va]);
    assert_eq!(delivery["state"], "delivered");
    assert_eq!(
        merchant.inbox.lock().unwrap()[0].2["additionalInfo"]["paymentFlagStatus"],
        "08"
    );
    // The VA is expired now: 404xx19, even with the fault cleared.
    assert_eq!(admin(&sandbox, &["fault", "--clear"]).0, 0);
    let (code, out) = admin(&sandbox, &["pay", "--va", &va]);
    assert_eq!(code, 1);
    assert_eq!(json_of(&out)["responseCode"], "4042519");
}

/// Sends a hand-built request to the sandbox; status and JSON body.
async fn send(sandbox: &Sandbox, request: SignedRequest) -> (u16, Value) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client
        .request(
            request
                .into_request_to(&format!("http://{}", sandbox.addr))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap())
}

fn code_of(reply: &(u16, Value)) -> (u16, String, String) {
    (
        reply.0,
        reply.1["responseCode"].as_str().unwrap_or("").to_owned(),
        reply.1["responseMessage"].as_str().unwrap_or("").to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejections_of_bad_merchant_requests_have_exact_codes() {
    let merchant_server = merchant(0).await;
    let sandbox = sandbox(&merchant_server.base);
    let partner = TestPartner::new(MERCHANT)
        .with_private_key(private_key())
        .with_client_secret(ClientSecret::new(&secret()));
    let now = || timestamp_at(snap_crypto::Clock::now(&snap_crypto::SystemClock));
    const TOKEN: &str = "/ordersnap/api/v1.0/access-token/b2b";
    const CREATE: &str = "/ordersnap/api/v1.0/transfer-va/create-va";

    // Token: unknown client, bad signature, then a good one.
    let stranger = TestPartner::new("stranger").with_private_key(private_key());
    let r = send(&sandbox, stranger.token_request(TOKEN, &now()).unwrap()).await;
    assert_eq!(
        code_of(&r),
        (
            401,
            "4017300".into(),
            "Unauthorized. [Unknown client]".into()
        )
    );
    let mut bad = partner.token_request(TOKEN, &now()).unwrap();
    bad.set(http::HeaderName::from_static("x-signature"), "AAAA")
        .unwrap();
    let r = send(&sandbox, bad).await;
    assert_eq!(
        code_of(&r),
        (401, "4017300".into(), "Unauthorized. [Signature]".into())
    );
    let r = send(&sandbox, partner.token_request(TOKEN, &now()).unwrap()).await;
    assert_eq!(r.1["responseCode"], "2007300", "{}", r.1);
    let token = r.1["accessToken"].as_str().unwrap().to_owned();

    let body = serde_json::to_vec(&va_request("trx-r1", "10000.00")).unwrap();
    // No token.
    let mut req = partner
        .notification(CREATE, Some(&token), body.clone(), &now(), "1001")
        .unwrap();
    req.headers.remove(http::header::AUTHORIZATION);
    assert_eq!(
        code_of(&send(&sandbox, req).await),
        (401, "4012703".into(), "Token Not Found (B2B)".into())
    );
    // Forged token.
    let req = partner
        .notification(CREATE, Some("not-a-token"), body.clone(), &now(), "1002")
        .unwrap();
    assert_eq!(
        code_of(&send(&sandbox, req).await),
        (401, "4012701".into(), "Invalid Token (B2B)".into())
    );
    // A Finpay token is not valid at QoinHub's endpoints.
    let fin = send(
        &sandbox,
        partner
            .token_request("/snap/oauth/v1.0/access-token/b2b", &now())
            .unwrap(),
    )
    .await;
    let fin_token = fin.1["accessToken"].as_str().unwrap().to_owned();
    let req = partner
        .notification(CREATE, Some(&fin_token), body.clone(), &now(), "1003")
        .unwrap();
    assert_eq!(code_of(&send(&sandbox, req).await).1, "4012701");
    // Bad signature: a byte of the body changed after signing.
    let mut req = partner
        .notification(CREATE, Some(&token), body.clone(), &now(), "1004")
        .unwrap();
    req.body = Bytes::from(
        String::from_utf8(body.clone())
            .unwrap()
            .replace("Jokul", "Jokux"),
    );
    assert_eq!(
        code_of(&send(&sandbox, req).await),
        (401, "4012700".into(), "Unauthorized. [Signature]".into())
    );
    // Timestamp outside the window.
    let old = timestamp_at(
        snap_crypto::Clock::now(&snap_crypto::SystemClock) - time::Duration::minutes(10),
    );
    let req = partner
        .notification(CREATE, Some(&token), body.clone(), &old, "1005")
        .unwrap();
    assert_eq!(
        code_of(&send(&sandbox, req).await),
        (401, "4012700".into(), "Unauthorized. [Timestamp]".into())
    );
    // Missing header.
    let mut req = partner
        .notification(CREATE, Some(&token), body.clone(), &now(), "1006")
        .unwrap();
    req.headers.remove("x-external-id");
    assert_eq!(
        code_of(&send(&sandbox, req).await),
        (
            400,
            "4002702".into(),
            "Invalid Mandatory Field X-EXTERNAL-ID".into()
        )
    );
    // Bad field.
    let mut missing: Value = serde_json::from_slice(&body).unwrap();
    missing
        .as_object_mut()
        .unwrap()
        .remove("virtualAccountName");
    let req = partner
        .notification(
            CREATE,
            Some(&token),
            serde_json::to_vec(&missing).unwrap(),
            &now(),
            "1007",
        )
        .unwrap();
    assert_eq!(
        code_of(&send(&sandbox, req).await),
        (
            400,
            "4002702".into(),
            "Invalid Mandatory Field virtualAccountName".into()
        )
    );
    let mut wrong = serde_json::from_slice::<Value>(&body).unwrap();
    wrong["totalAmount"]["value"] = json!("10.5");
    let req = partner
        .notification(
            CREATE,
            Some(&token),
            serde_json::to_vec(&wrong).unwrap(),
            &now(),
            "1008",
        )
        .unwrap();
    assert_eq!(code_of(&send(&sandbox, req).await).1, "4002701");
    // Not JSON.
    let mut req = partner
        .notification(CREATE, Some(&token), body.clone(), &now(), "1009")
        .unwrap();
    req.body = Bytes::from_static(b"{not json");
    assert_eq!(
        code_of(&send(&sandbox, req).await),
        (400, "4002700".into(), "Bad Request".into())
    );
    // Success, then the same X-EXTERNAL-ID with another body: 409xx00.
    let req = partner
        .notification(CREATE, Some(&token), body.clone(), &now(), "1010")
        .unwrap();
    assert_eq!(code_of(&send(&sandbox, req).await).1, "2002700");
    let other = serde_json::to_vec(&va_request("trx-r2", "10000.00")).unwrap();
    let req = partner
        .notification(CREATE, Some(&token), other, &now(), "1010")
        .unwrap();
    assert_eq!(
        code_of(&send(&sandbox, req).await),
        (409, "4092700".into(), "Conflict".into())
    );
    // The same trxId under a new X-EXTERNAL-ID: 409xx01.
    let req = partner
        .notification(CREATE, Some(&token), body.clone(), &now(), "1011")
        .unwrap();
    assert_eq!(
        code_of(&send(&sandbox, req).await),
        (409, "4092701".into(), "Duplicate partnerReferenceNo".into())
    );
    // Expired date in the past.
    let mut past = serde_json::from_slice::<Value>(
        &serde_json::to_vec(&va_request("trx-r3", "1.00")).unwrap(),
    )
    .unwrap();
    past["expiredDate"] = json!("2020-01-01T00:00:00+07:00");
    let req = partner
        .notification(
            CREATE,
            Some(&token),
            serde_json::to_vec(&past).unwrap(),
            &now(),
            "1012",
        )
        .unwrap();
    assert_eq!(
        code_of(&send(&sandbox, req).await),
        (
            400,
            "4002701".into(),
            "Invalid Field Format expiredDate".into()
        )
    );
    // Unknown path: 4040002.
    let req = partner
        .notification(
            "/ordersnap/api/v1.0/nothing",
            Some(&token),
            body.clone(),
            &now(),
            "1013",
        )
        .unwrap();
    assert_eq!(code_of(&send(&sandbox, req).await).1, "4040002");

    // QR business rules through the client (Finpay paths).
    let finpay = client(&sandbox, ProviderProfile::finpay());
    let err = finpay
        .generate_qr(&QrMpmGenerateRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.response_code().unwrap().to_string(), "4004702");
    let reference = generate_qr(&finpay, "fin-r1", "20000.00").await;
    let dup = QrMpmGenerateRequest {
        partner_reference_no: Some("fin-r1".into()),
        amount: Some(Money::idr("1.00".parse().unwrap())),
        ..Default::default()
    };
    assert_eq!(
        finpay
            .generate_qr(&dup)
            .await
            .unwrap_err()
            .response_code()
            .unwrap()
            .to_string(),
        "4094701"
    );
    let query = |r: &str| QrMpmQueryRequest {
        original_reference_no: Some(r.into()),
        ..Default::default()
    };
    assert_eq!(
        finpay
            .query_qr(&query("nope"))
            .await
            .unwrap_err()
            .response_code()
            .unwrap()
            .to_string(),
        "4045101"
    );
    assert_eq!(
        finpay
            .query_qr(&query(&reference))
            .await
            .unwrap()
            .transaction_status
            .unwrap()
            .to_string(),
        "UNPAID"
    );
    let refund = |r: &str, refund_ref: &str| QrMpmRefundRequest {
        partner_reference_no: Some(refund_ref.into()),
        original_reference_no: Some(r.into()),
        ..Default::default()
    };
    let code = |e: snap_http::ClientError| e.response_code().unwrap().to_string();
    assert_eq!(
        code(finpay.refund_qr(&refund("nope", "rf-0")).await.unwrap_err()),
        "4047801"
    );
    // Not paid yet.
    assert_eq!(
        code(
            finpay
                .refund_qr(&refund(&reference, "rf-1"))
                .await
                .unwrap_err()
        ),
        "4047800"
    );
    assert_eq!(
        code(
            finpay
                .refund_qr(&QrMpmRefundRequest {
                    partner_reference_no: None,
                    ..refund(&reference, "")
                })
                .await
                .unwrap_err()
        ),
        "4007802"
    );
    let (code_paid, out) = admin(&sandbox, &["pay", "--qr", &reference, "--wait"]);
    assert_eq!(code_paid, 0, "{out}");
    // More than paid: 404xx13 (refundAmount read from the body).
    let over = br#"{"partnerReferenceNo":"rf-2","originalReferenceNo":"REF","refundAmount":{"value":"20000.01","currency":"IDR"}}"#;
    let over = String::from_utf8(over.to_vec())
        .unwrap()
        .replace("REF", &reference);
    let reply = finpay
        .call_raw(
            snap_types::ServiceCode::QR_MPM_REFUND,
            Bytes::from(over),
            &snap_http::CallOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(reply.response_code().to_string(), "4047813");
    let partial = br#"{"partnerReferenceNo":"rf-3","originalReferenceNo":"REF","refundAmount":{"value":"5000.00","currency":"IDR"}}"#;
    let partial = String::from_utf8(partial.to_vec())
        .unwrap()
        .replace("REF", &reference);
    let reply = finpay
        .call_raw(
            snap_types::ServiceCode::QR_MPM_REFUND,
            Bytes::from(partial),
            &snap_http::CallOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(reply.response_code().to_string(), "2007800");
    // The rest, then a duplicate refund reference, then nothing left.
    finpay.refund_qr(&refund(&reference, "rf-4")).await.unwrap();
    assert_eq!(
        code(
            finpay
                .refund_qr(&refund(&reference, "rf-4"))
                .await
                .unwrap_err()
        ),
        "4097801"
    );
    assert_eq!(
        code(
            finpay
                .refund_qr(&refund(&reference, "rf-5"))
                .await
                .unwrap_err()
        ),
        "4047800"
    );
    assert_eq!(
        finpay
            .query_qr(&query(&reference))
            .await
            .unwrap()
            .transaction_status
            .unwrap()
            .to_string(),
        "REFUNDED"
    );
    // Admin refusals: unknown VA, unknown QR, wrong amount on a fixed VA.
    let (c, out) = admin(&sandbox, &["pay", "--va", "99999999"]);
    assert_eq!(
        (c, json_of(&out)["responseCode"].as_str().unwrap()),
        (1, "4042512")
    );
    let (c, out) = admin(&sandbox, &["pay", "--qr", "nope"]);
    assert_eq!(
        (c, json_of(&out)["responseCode"].as_str().unwrap()),
        (1, "4045001")
    );
    let va = create_va(
        &client(&sandbox, ProviderProfile::qoinhub()),
        "trx-amount",
        "10000.00",
    )
    .await;
    let (c, out) = admin(&sandbox, &["pay", "--va", &va, "--amount", "9999.00"]);
    assert_eq!(
        (c, json_of(&out)["responseCode"].as_str().unwrap()),
        (1, "4042513")
    );
}

#[test]
fn config_refuses_demo_keys_without_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        keys().join("demo-private.pem"),
        dir.path().join("sandbox.pem"),
    )
    .unwrap();
    std::fs::copy(
        keys().join("demo-public.pem"),
        dir.path().join("merchant.pub.pem"),
    )
    .unwrap();
    std::fs::write(dir.path().join("merchant.secret"), "a-merchant-secret").unwrap();
    std::fs::write(dir.path().join("callback.secret"), "a-callback-secret").unwrap();
    let config = dir.path().join("sandbox.toml");
    std::fs::write(
        &config,
        r#"listen = "127.0.0.1:0"
private_key_file = "sandbox.pem"
[[merchants]]
client_id = "shop"
public_key_file = "merchant.pub.pem"
client_secret_file = "merchant.secret"
[merchants.callback]
base_url = "http://127.0.0.1:9/api"
client_secret_file = "callback.secret"
"#,
    )
    .unwrap();
    let out = Command::new(SNAP)
        .args(["sandbox", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("private_key_file")
            && err.contains("DEMO")
            && err.contains("--allow-demo-keys"),
        "{err}"
    );
    // With the flag it starts (and prints where it listens).
    let mut child = Command::new(SNAP)
        .args(["sandbox", "--allow-demo-keys", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.starts_with("snapbi sandbox listening on http://127.0.0.1:"),
        "{line}"
    );
}
