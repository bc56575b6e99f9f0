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
    Amount, AnyVaPayment, CreateVaRequest, Money, QrMpmGenerateRequest, QrMpmQueryRequest,
    QrMpmRefundRequest, StandardCreateVaRequest, StandardDeleteVaRequest, StandardInquiryVaRequest,
    StandardQrCancelRequest, StandardQrGenerateRequest, StandardQrNotification,
    StandardQrQueryRequest, StandardQrRefundRequest, StandardUpdateVaRequest,
    StandardVaStatusRequest,
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
    sandbox_with(callback, &[])
}

/// A `snapbi sandbox --demo` process with more options (`--profile`, `--notifications`, ...).
fn sandbox_with(callback: &str, extra: &[&str]) -> Sandbox {
    let mut child = Command::new(SNAP)
        .args([
            "sandbox",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--callback",
            callback,
        ])
        .args(extra)
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

/// A merchant that takes the standard's 25 and 52, verifying the sandbox as `mode` says
/// (asymmetric: the key `snapbi sandbox key --demo` prints; no token endpoint needed).
async fn standard_merchant(mode: snap_http::SignatureMode, sandbox_key_pem: &str) -> Merchant {
    let inbox: Inbox = Arc::default();
    let (i25, i52) = (Arc::clone(&inbox), Arc::clone(&inbox));
    let partner = Partner::new(SANDBOX_ID)
        .unwrap()
        .with_public_key(RsaPublicKey::from_pem(sandbox_key_pem).unwrap())
        .with_client_secret(ClientSecret::new(&secret()))
        .with_mode(mode);
    let server = SnapServer::builder()
        .prefix("/api")
        .token_issuer(JwtTokenIssuer::random().unwrap())
        .partner(partner)
        .mount::<AnyVaPayment, _, _, snap_http::BoxError>(move |ctx, n| {
            let inbox = Arc::clone(&i25);
            async move {
                assert!(matches!(n, AnyVaPayment::Standard(_)), "{n:?}");
                let body: Value = serde_json::from_slice(ctx.body()).unwrap();
                inbox
                    .lock()
                    .unwrap()
                    .push(("25".into(), ctx.external_id().as_str().into(), body));
                Ok(Outcome::success())
            }
        })
        .mount::<StandardQrNotification, _, _, snap_http::BoxError>(move |ctx, _n| {
            let inbox = Arc::clone(&i52);
            async move {
                let body: Value = serde_json::from_slice(ctx.body()).unwrap();
                inbox
                    .lock()
                    .unwrap()
                    .push(("52".into(), ctx.external_id().as_str().into(), body));
                Ok(Outcome::success())
            }
        })
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

fn sandbox_key() -> String {
    let out = Command::new(SNAP)
        .args(["sandbox", "key", "--demo"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn sandbox_key_prints_the_public_half_of_the_sandbox_key() {
    let pem = sandbox_key();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
    let printed = RsaPublicKey::from_pem(&pem).unwrap();
    assert_eq!(printed.pkcs1_der(), private_key().public_key().pkcs1_der());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_profile_serves_the_standard_and_notifies_asymmetrically() {
    let merchant_server =
        standard_merchant(snap_http::SignatureMode::Asymmetric, &sandbox_key()).await;
    let sandbox = sandbox_with(
        &merchant_server.base,
        &["--profile", "standard", "--notifications", "asymmetric"],
    );
    // The admin endpoint publishes the same key.
    let (code, pem) = admin(&sandbox, &["key"]);
    assert_eq!((code, pem), (0, sandbox_key()));
    let client = client(&sandbox, ProviderProfile::standard());

    // VA: create (27) with only the standard's mandatory fields is an open VA.
    let created = client
        .call(&StandardCreateVaRequest {
            virtual_account_name: "Budi".into(),
            trx_id: "STD-VA-1".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.response_code.to_string(), "2002700");
    let data = created.virtual_account_data.unwrap();
    assert_eq!(data.virtual_account_trx_type.as_deref(), Some("O"));
    let va = data.virtual_account_no.unwrap();
    let identity = json!({
        "partnerServiceId": data.partner_service_id,
        "customerNo": data.customer_no,
        "virtualAccountNo": va,
    });
    let with = |extra: Value| {
        let mut v = identity.clone();
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    // Update (28, PUT) to a fixed amount, then read it back (30).
    let update: StandardUpdateVaRequest = serde_json::from_value(with(json!({
        "virtualAccountName": "Budi Utomo", "trxId": "STD-VA-1",
        "totalAmount": {"value": "20000.00", "currency": "IDR"},
    })))
    .unwrap();
    assert_eq!(
        client
            .call(&update)
            .await
            .unwrap()
            .response_code
            .to_string(),
        "2002800"
    );
    let inquiry: StandardInquiryVaRequest =
        serde_json::from_value(with(json!({"trxId": "STD-VA-1"}))).unwrap();
    let read = client
        .call(&inquiry)
        .await
        .unwrap()
        .virtual_account_data
        .unwrap();
    assert_eq!(read.virtual_account_name.as_deref(), Some("Budi Utomo"));
    assert_eq!(read.total_amount.unwrap().value.to_string(), "20000.00");
    // A wrong trxId: 404xx12.
    let wrong: StandardInquiryVaRequest =
        serde_json::from_value(with(json!({"trxId": "OTHER"}))).unwrap();
    let err = client.call(&wrong).await.unwrap_err();
    assert_eq!(err.response_code().unwrap().to_string(), "4043012");

    // Pay: the standard 25 body, RSA-signed with the sandbox key, no token request.
    let (code, out) = pay_and_wait(&sandbox, &["--va", &va]);
    assert_eq!(code, 0, "{out}");
    let inbox = merchant_server.inbox.lock().unwrap().clone();
    let (service, _, body) = inbox.last().unwrap();
    assert_eq!(service, "25");
    assert_eq!(body["paidAmount"]["value"], "20000.00");
    assert_eq!(body["trxId"], "STD-VA-1");
    assert!(body.get("paymentRequestId").is_some());
    // Status (26) shows the payment; a paid VA cannot be deleted (31).
    let status: StandardVaStatusRequest = serde_json::from_value(identity.clone()).unwrap();
    let status = client
        .call(&status)
        .await
        .unwrap()
        .virtual_account_data
        .unwrap();
    assert_eq!(status.payment_flag_status.as_deref(), Some("00"));
    let delete: StandardDeleteVaRequest = serde_json::from_value(identity.clone()).unwrap();
    let err = client.call(&delete).await.unwrap_err();
    assert_eq!(err.response_code().unwrap().to_string(), "4043114");

    // QR: generate, pay (52), query, refund by partnerRefundNo, once.
    let generated = client
        .call(&StandardQrGenerateRequest {
            partner_reference_no: Some("STD-QR-1".into()),
            amount: Some(Money::idr(Amount::new(1_000_000).unwrap())),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(generated.has_qr());
    let (code, out) = pay_and_wait(&sandbox, &["--qr", "STD-QR-1"]);
    assert_eq!(code, 0, "{out}");
    let (service, _, body) = merchant_server
        .inbox
        .lock()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (service.as_str(), &body["latestTransactionStatus"]),
        ("52", &json!("00"))
    );
    let query = client
        .call(&StandardQrQueryRequest {
            original_partner_reference_no: Some("STD-QR-1".into()),
            service_code: "47".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(query.latest_transaction_status.unwrap().code(), "00");
    let refund: StandardQrRefundRequest = serde_json::from_value(json!({
        "originalPartnerReferenceNo": "STD-QR-1", "partnerRefundNo": "RF-1",
        "refundAmount": {"value": "4000.00", "currency": "IDR"},
    }))
    .unwrap();
    let refunded = client.call(&refund).await.unwrap();
    assert_eq!(refunded.partner_refund_no.as_deref(), Some("RF-1"));
    assert!(refunded.refund_no.is_some() && refunded.refund_time.is_some());
    let err = client.call(&refund).await.unwrap_err();
    assert_eq!(err.response_code().unwrap().to_string(), "4097801");
    // The seed's `partnerReferenceNo` is not the standard's refund id: 400xx02 partnerRefundNo.
    let seed_style =
        json!({"originalPartnerReferenceNo": "STD-QR-1", "partnerReferenceNo": "RF-2"});
    let reply = client
        .call_raw(
            snap_types::ServiceCode::QR_MPM_REFUND,
            Bytes::from(seed_style.to_string()),
            &snap_http::CallOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(reply.response_code().to_string(), "4007802");
    assert!(
        reply.response_message().contains("partnerRefundNo"),
        "{}",
        reply.response_message()
    );
    // A paid QR cannot be cancelled.
    let cancel: StandardQrCancelRequest = serde_json::from_value(json!({
        "originalPartnerReferenceNo": "STD-QR-1", "merchantId": "SANDBOX0001", "reason": "changed mind",
    }))
    .unwrap();
    let err = client.call(&cancel).await.unwrap_err();
    assert_eq!(err.response_code().unwrap().to_string(), "4047700");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_token_quirks_are_read_only_by_their_own_profile() {
    let partner = TestPartner::new(MERCHANT).with_private_key(private_key());
    let now = || timestamp_at(snap_crypto::Clock::now(&snap_crypto::SystemClock));
    let cases = [
        (
            "midtrans",
            "/v1.0/access-token/b2b",
            r#"{"grant_type":"client_credentials"}"#,
        ),
        (
            "doku",
            "/authorization/v1/access-token/b2b",
            r#"{"grantType":"client_credentials","additionalInfo":""}"#,
        ),
    ];
    for (profile, path, body) in cases {
        let own = sandbox_with("http://127.0.0.1:9/api", &["--profile", profile]);
        let mut request = partner.token_request(path, &now()).unwrap();
        request.body = Bytes::from(body);
        let r = send(&own, request).await;
        assert_eq!(code_of(&r).1, "2007300", "{profile}: {r:?}");
        // The same body at the standard profile is refused as the standard says.
        let standard = sandbox_with("http://127.0.0.1:9/api", &["--profile", "standard"]);
        let mut request = partner
            .token_request("/v1.0/access-token/b2b", &now())
            .unwrap();
        request.body = Bytes::from(body);
        let r = send(&standard, request).await;
        assert!(
            code_of(&r).1.starts_with("40073"),
            "standard took {profile}'s body: {r:?}"
        );
        // And a bad signature is still a bad signature in the provider's profile.
        let mut request = partner.token_request(path, &now()).unwrap();
        request.body = Bytes::from(body);
        request
            .set(
                http::HeaderName::from_static("x-timestamp"),
                "2020-01-01T00:00:00+07:00",
            )
            .unwrap();
        let r = send(&own, request).await;
        assert_eq!(r.0 / 100, 4, "{profile}: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_profiles_serve_at_their_sdks_paths() {
    let merchant_server =
        standard_merchant(snap_http::SignatureMode::Symmetric, &sandbox_key()).await;
    for (name, profile) in [
        ("doku", ProviderProfile::doku()),
        ("midtrans", ProviderProfile::midtrans()),
    ] {
        let sandbox = sandbox_with(&merchant_server.base, &["--profile", name]);
        let client = client(&sandbox, profile);
        let created = client
            .call(&StandardCreateVaRequest {
                virtual_account_name: "Budi".into(),
                trx_id: format!("{name}-1"),
                total_amount: Some(Money::idr(Amount::new(1_000_000).unwrap())),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(created.response_code.to_string(), "2002700", "{name}");
    }
}

/// `snapbi receive` with the sandbox as its partner (demo keys); killed on drop.
struct Receiver {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn receiver() -> Receiver {
    receiver_with("standard")
}

/// `snapbi receive` whose one partner, the sandbox, is configured with `profile`.
fn receiver_with(profile: &str) -> Receiver {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        keys().join("demo-public.pem"),
        dir.path().join("sandbox.pub.pem"),
    )
    .unwrap();
    std::fs::write(dir.path().join("sandbox.secret"), secret()).unwrap();
    std::fs::write(
        dir.path().join("token.key"),
        "receiver-token-key-of-at-least-32-bytes",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("receive.toml"),
        format!(
            "listen = \"127.0.0.1:0\"\nprefix = \"/api\"\ndata_dir = \"data\"\ntoken_key_file = \"token.key\"\n\n\
             [[partners]]\nclient_id = \"{SANDBOX_ID}\"\npublic_key_file = \"sandbox.pub.pem\"\n\
             client_secret_file = \"sandbox.secret\"\nprofile = \"{profile}\"\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(SNAP)
        .args(["receive", "--config"])
        .arg(dir.path().join("receive.toml"))
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
    Receiver {
        child,
        base,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapbi_receive_accepts_the_standard_shapes() {
    let receiver = receiver();
    // 25 and 52 in the standard's shapes, from the standard sandbox.
    let sandbox = sandbox_with(
        &format!("{}/api", receiver.base),
        &["--profile", "standard"],
    );
    let client = client(&sandbox, ProviderProfile::standard());
    let created = client
        .call(&StandardCreateVaRequest {
            virtual_account_name: "Budi".into(),
            trx_id: "RCV-1".into(),
            total_amount: Some(Money::idr(Amount::new(500_000).unwrap())),
            ..Default::default()
        })
        .await
        .unwrap();
    let va = created
        .virtual_account_data
        .unwrap()
        .virtual_account_no
        .unwrap();
    let (_, delivery) = pay_and_wait(&sandbox, &["--va", &va]);
    assert_eq!(delivery["state"], "delivered", "{delivery}");
    client
        .call(&StandardQrGenerateRequest {
            partner_reference_no: Some("RCV-QR".into()),
            amount: Some(Money::idr(Amount::new(100_000).unwrap())),
            ..Default::default()
        })
        .await
        .unwrap();
    let (_, delivery) = pay_and_wait(&sandbox, &["--qr", "RCV-QR"]);
    assert_eq!(delivery["state"], "delivered", "{delivery}");

    // 56 as the standard allows it: no createdTime, no originalPartnerReferenceNo.
    let partner = TestPartner::new(SANDBOX_ID)
        .with_private_key(private_key())
        .with_client_secret(ClientSecret::new(&secret()));
    let now = || timestamp_at(snap_crypto::Clock::now(&snap_crypto::SystemClock));
    let http = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let send_to = |request: SignedRequest| {
        let http = http.clone();
        let base = receiver.base.clone();
        async move {
            let response = http
                .request(request.into_request_to(&base).unwrap())
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (status, serde_json::from_slice::<Value>(&body).unwrap())
        }
    };
    let (_, token) = send_to(
        partner
            .token_request("/api/v1.0/access-token/b2b", &now())
            .unwrap(),
    )
    .await;
    let token = token["accessToken"].as_str().unwrap().to_owned();
    let notify = |body: &'static str, external_id: &str| {
        partner
            .notification(
                "/api/v1.0/debit/notify",
                Some(&token),
                body,
                &now(),
                external_id,
            )
            .unwrap()
    };
    let r = send_to(notify(
        r#"{"originalReferenceNo":"PJP-REF-778899","latestTransactionStatus":"00"}"#,
        "5601",
    ))
    .await;
    assert_eq!(
        (r.0, r.1["responseCode"].as_str()),
        (200, Some("2005600")),
        "{r:?}"
    );
    // Still validated: latestTransactionStatus is mandatory (400 56 02).
    let r = send_to(notify(
        r#"{"originalReferenceNo":"PJP-REF-778900"}"#,
        "5602",
    ))
    .await;
    assert_eq!(r.1["responseCode"], "4005602", "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dana_profile_takes_asymmetric_requests_only() {
    let sandbox = sandbox_with("http://127.0.0.1:9/api", &["--profile", "dana"]);
    let partner = TestPartner::new(MERCHANT)
        .with_private_key(private_key())
        .with_client_secret(ClientSecret::new(&secret()));
    let stamp = timestamp_at(snap_crypto::Clock::now(&snap_crypto::SystemClock));
    let valid = timestamp_at(
        snap_crypto::Clock::now(&snap_crypto::SystemClock) + time::Duration::minutes(20),
    );
    let body = format!(
        r#"{{"partnerReferenceNo":"DN-1","merchantId":"SANDBOX0001","amount":{{"value":"1000.00","currency":"IDR"}},"validUpTo":"{valid}","urlParams":[{{"url":"https://m.example/n","type":"NOTIFICATION","isDeeplink":"N"}}]}}"#
    );
    const PATH: &str = "/payment-gateway/v1.0/debit/payment-host-to-host.htm";
    let request = partner
        .notification(
            PATH,
            None,
            body.clone(),
            &stamp,
            "sdke320b-b875-4477-a7c8-b237c40b453d",
        )
        .unwrap();
    let r = send(&sandbox, request).await;
    assert_eq!(code_of(&r).1, "2005400", "{r:?}");
    assert!(r.1["referenceNo"].as_str().unwrap().starts_with("DN"));
    // The same order again: 409 54 01.
    let request = partner
        .notification(PATH, None, body.clone(), &stamp, "2")
        .unwrap();
    assert_eq!(code_of(&send(&sandbox, request).await).1, "4095401");
    // A body changed after signing: 401 54 00.
    let mut request = partner.notification(PATH, None, body, &stamp, "3").unwrap();
    request.body = Bytes::from(
        request
            .body
            .to_vec()
            .iter()
            .map(|b| if *b == b'1' { b'2' } else { *b })
            .collect::<Vec<u8>>(),
    );
    assert_eq!(code_of(&send(&sandbox, request).await).0, 401);
}

/// Waits until delivery `id` has at least one attempt (or is no longer pending) and returns it.
fn first_attempt(sandbox: &Sandbox, id: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, out) = admin(sandbox, &["deliveries", "--json"]);
        let d = json_of(&out)
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id)
            .cloned()
            .unwrap();
        let tried = d["attempts"].as_array().is_some_and(|a| !a.is_empty());
        if tried || d["state"] != "pending" || Instant::now() > deadline {
            return d;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Creates a 5000.00 VA at a `doku` sandbox with DOKU's paths and pays it; the delivery's id.
async fn doku_va_paid(sandbox: &Sandbox, trx_id: &str) -> u64 {
    let created = client(sandbox, ProviderProfile::doku())
        .call(&StandardCreateVaRequest {
            virtual_account_name: "Budi".into(),
            trx_id: trx_id.into(),
            total_amount: Some(Money::idr(Amount::new(500_000).unwrap())),
            ..Default::default()
        })
        .await
        .unwrap();
    let va = created
        .virtual_account_data
        .unwrap()
        .virtual_account_no
        .unwrap();
    let (code, out) = admin(sandbox, &["pay", "--va", &va]);
    assert_eq!(code, 0, "{out}");
    json_of(&out)["deliveryId"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapbi_receive_reads_dokus_dialect_only_for_a_doku_partner() {
    // The doku profile sends 25 as DOKU does: channelCode "6011", a string.
    let doku_receiver = receiver_with("doku");
    let sandbox = sandbox_with(
        &format!("{}/api", doku_receiver.base),
        &["--profile", "doku"],
    );
    let id = doku_va_paid(&sandbox, "DOKU-RCV-1").await;
    let delivery = wait_delivery(&sandbox, id);
    assert_eq!(delivery["state"], "delivered", "{delivery}");
    assert_eq!(actions(&delivery), ["sent 2002500"]);
    let body = json_of(delivery["body"].as_str().unwrap());
    assert_eq!(body["channelCode"], json!("6011"), "{body}");

    // A partner left standard gets the standard's field error for the same body.
    let standard_receiver = receiver();
    let sandbox = sandbox_with(
        &format!("{}/api", standard_receiver.base),
        &["--profile", "doku"],
    );
    let id = doku_va_paid(&sandbox, "DOKU-RCV-2").await;
    let delivery = first_attempt(&sandbox, id);
    let attempt = &delivery["attempts"][0];
    assert_eq!(attempt["responseCode"], "4002501", "{delivery}");
    assert!(
        attempt["answer"].as_str().unwrap().contains("channelCode"),
        "{delivery}"
    );
    // The standard profile sends the number, which both read.
    let sandbox = sandbox_with(
        &format!("{}/api", doku_receiver.base),
        &["--profile", "standard"],
    );
    let created = client(&sandbox, ProviderProfile::standard())
        .call(&StandardCreateVaRequest {
            virtual_account_name: "Budi".into(),
            trx_id: "STD-RCV-3".into(),
            total_amount: Some(Money::idr(Amount::new(500_000).unwrap())),
            ..Default::default()
        })
        .await
        .unwrap();
    let va = created
        .virtual_account_data
        .unwrap()
        .virtual_account_no
        .unwrap();
    let (_, delivery) = pay_and_wait(&sandbox, &["--va", &va]);
    assert_eq!(delivery["state"], "delivered", "{delivery}");
    let body = json_of(delivery["body"].as_str().unwrap());
    assert_eq!(body["channelCode"], json!(6011), "{body}");
}

/// A biller merchant: answers inquiry (24) with a 15000.00 bill and takes the payment (25), read
/// as `T24` / `T25`; records (service, body).
async fn biller_merchant<T24, T25>() -> Merchant
where
    T24: snap_types::SnapRequest + Send + 'static,
    T25: snap_types::SnapRequest + Send + 'static,
{
    let inbox: Inbox = Arc::default();
    let (i24, i25) = (Arc::clone(&inbox), Arc::clone(&inbox));
    let partner = Partner::new(SANDBOX_ID)
        .unwrap()
        .with_public_key(RsaPublicKey::from_file(keys().join("demo-public.pem")).unwrap())
        .with_client_secret(ClientSecret::new(&secret()));
    let server = SnapServer::builder()
        .prefix("/api")
        .token_issuer(JwtTokenIssuer::random().unwrap())
        .partner(partner)
        .mount::<T24, _, _, snap_http::BoxError>(move |ctx, _n| {
            let inbox = Arc::clone(&i24);
            async move {
                let body: Value = serde_json::from_slice(ctx.body()).unwrap();
                let answer = json!({"virtualAccountData": {
                    "inquiryStatus": "00",
                    "partnerServiceId": body["partnerServiceId"],
                    "customerNo": body["customerNo"],
                    "virtualAccountNo": body["virtualAccountNo"],
                    "virtualAccountName": "Budi Biller",
                    "inquiryRequestId": body["inquiryRequestId"],
                    "totalAmount": {"value": "15000.00", "currency": "IDR"},
                }});
                inbox
                    .lock()
                    .unwrap()
                    .push(("24".into(), ctx.external_id().as_str().into(), body));
                Ok(Outcome::success_with(answer))
            }
        })
        .mount::<T25, _, _, snap_http::BoxError>(move |ctx, _n| {
            let inbox = Arc::clone(&i25);
            async move {
                let body: Value = serde_json::from_slice(ctx.body()).unwrap();
                inbox
                    .lock()
                    .unwrap()
                    .push(("25".into(), ctx.external_id().as_str().into(), body));
                Ok(Outcome::success())
            }
        })
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doku_biller_inquiry_and_payment_carry_channel_code_as_a_string() {
    use snap_types::{
        DokuVaInquiryRequest, DokuVaPaymentRequest, StandardVaInquiryRequest,
        StandardVaPaymentRequest,
    };
    let merchant = biller_merchant::<DokuVaInquiryRequest, DokuVaPaymentRequest>().await;
    let sandbox = sandbox_with(&merchant.base, &["--profile", "doku", "--biller"]);
    let (_, delivery) = pay_and_wait(&sandbox, &["--va", "8889900012345"]);
    assert_eq!(delivery["state"], "delivered", "{delivery}");
    {
        let inbox = merchant.inbox.lock().unwrap();
        let services: Vec<&str> = inbox.iter().map(|(s, _, _)| s.as_str()).collect();
        assert_eq!(services, ["24", "25"]);
        assert_eq!(inbox[0].2["channelCode"], json!("6011"), "{:?}", inbox[0]);
        assert_eq!(inbox[1].2["channelCode"], json!("6011"), "{:?}", inbox[1]);
        assert_eq!(inbox[1].2["paidAmount"]["value"], "15000.00");
        assert_eq!(
            inbox[1].2["paymentRequestId"], inbox[0].2["inquiryRequestId"],
            "the payment carries the inquiry's id"
        );
    }
    // A merchant reading the standard's table refuses DOKU's inquiry with the field at fault;
    // the payment is refused with the merchant's code and nothing is paid.
    let strict = biller_merchant::<StandardVaInquiryRequest, StandardVaPaymentRequest>().await;
    let sandbox = sandbox_with(&strict.base, &["--profile", "doku", "--biller"]);
    let (code, out) = admin(&sandbox, &["pay", "--va", "8889900012345"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(json_of(&out)["responseCode"], "4002401", "{out}");
    assert!(strict.inbox.lock().unwrap().is_empty());
    // With the standard profile, the standard merchant reads the number.
    let sandbox = sandbox_with(&strict.base, &["--profile", "standard", "--biller"]);
    let (_, delivery) = pay_and_wait(&sandbox, &["--va", "8889900012345"]);
    assert_eq!(delivery["state"], "delivered", "{delivery}");
    assert_eq!(
        strict.inbox.lock().unwrap()[0].2["channelCode"],
        json!(6011)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_va_is_sent_with_each_profiles_method() {
    // Midtrans posts delete VA; the standard deletes it. Each client meets its own sandbox.
    for (name, profile, other) in [
        (
            "midtrans",
            ProviderProfile::midtrans(),
            ProviderProfile::standard(),
        ),
        (
            "standard",
            ProviderProfile::standard(),
            ProviderProfile::midtrans(),
        ),
    ] {
        let sandbox = sandbox_with("http://127.0.0.1:9/api", &["--profile", name]);
        let own = client(&sandbox, profile);
        let created = own
            .call(&StandardCreateVaRequest {
                virtual_account_name: "Budi".into(),
                trx_id: format!("DEL-{name}"),
                ..Default::default()
            })
            .await
            .unwrap();
        let data = created.virtual_account_data.unwrap();
        let delete: StandardDeleteVaRequest = serde_json::from_value(json!({
            "partnerServiceId": data.partner_service_id,
            "customerNo": data.customer_no,
            "virtualAccountNo": data.virtual_account_no,
            "trxId": format!("DEL-{name}"),
        }))
        .unwrap();
        // The other profile's method is refused at this sandbox's delete path.
        let err = client(&sandbox, other).call(&delete).await.unwrap_err();
        assert_eq!(
            err.response_code().map(|c| c.to_string()).as_deref(),
            Some("4053100"),
            "{name}: {err}"
        );
        let deleted = own
            .call(&delete)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(deleted.response_code.to_string(), "2003100", "{name}");
    }
}

/// A DANA merchant: takes DANA's finish notify at `/api/dana/finish-notify` (its own URL) and at
/// the configured callback's `/api/v1.0/debit/notify`, verifying the sandbox's RSA signature;
/// records (path, body).
async fn dana_merchant() -> Merchant {
    use snap_types::DanaFinishNotify;
    let inbox: Inbox = Arc::default();
    let record = |inbox: &Inbox| {
        let inbox = Arc::clone(inbox);
        move |ctx: snap_http::RequestContext, _n: DanaFinishNotify| {
            let inbox = Arc::clone(&inbox);
            async move {
                let body: Value = serde_json::from_slice(ctx.body()).unwrap();
                let path = ctx.path().to_owned();
                inbox
                    .lock()
                    .unwrap()
                    .push((path, ctx.external_id().as_str().into(), body));
                Ok::<_, snap_http::BoxError>(Outcome::success())
            }
        }
    };
    let partner = Partner::new(SANDBOX_ID)
        .unwrap()
        .with_public_key(RsaPublicKey::from_pem(&sandbox_key()).unwrap())
        .with_mode(snap_http::SignatureMode::Asymmetric);
    let server = SnapServer::builder()
        .prefix("/api")
        .partner(partner)
        .route::<DanaFinishNotify, _, _, _>(
            http::Method::POST,
            "/dana/finish-notify",
            record(&inbox),
        )
        .mount::<DanaFinishNotify, _, _, _>(record(&inbox))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dana_finish_notify_goes_to_the_orders_notification_url() {
    use snap_types::{DanaCreateOrderRequest, DanaQueryPaymentRequest, DanaUrlParam};
    let merchant = dana_merchant().await;
    let sandbox = sandbox_with(
        &merchant.base,
        &["--profile", "dana", "--notifications", "asymmetric"],
    );
    let dana = client(&sandbox, ProviderProfile::dana());
    let valid = timestamp_at(
        snap_crypto::Clock::now(&snap_crypto::SystemClock) + time::Duration::minutes(20),
    );
    let url_param = |url: &str, kind: &str| DanaUrlParam {
        url: url.into(),
        kind: kind.into(),
        is_deeplink: "N".into(),
        extra: Default::default(),
    };
    let order = |reference: &str, params: Vec<DanaUrlParam>| DanaCreateOrderRequest {
        partner_reference_no: reference.into(),
        merchant_id: "SANDBOX0001".into(),
        sub_merchant_id: None,
        amount: Money::idr(Amount::new(2_500_000).unwrap()),
        external_store_id: None,
        valid_up_to: valid.clone(),
        disabled_pay_methods: None,
        url_params: params,
        additional_info: None,
        extra: Default::default(),
    };
    let own_url = format!("{}/dana/finish-notify", merchant.base);
    let created = dana
        .call(&order(
            "DN-URL-1",
            vec![
                url_param("https://shop.example/back", DanaUrlParam::PAY_RETURN),
                url_param(&own_url, DanaUrlParam::NOTIFICATION),
            ],
        ))
        .await
        .unwrap();
    assert!(created.reference_no.is_some());
    let query: DanaQueryPaymentRequest = serde_json::from_value(json!({
        "originalPartnerReferenceNo": "DN-URL-1", "serviceCode": "54", "merchantId": "SANDBOX0001",
    }))
    .unwrap();
    let status = || async { dana.call(&query).await.unwrap().latest_transaction_status };
    // DANA's statuses: 01 Initiated until paid (DANA has no 03), then 00.
    assert_eq!(status().await.code(), "01");
    let (_, delivery) = pay_and_wait(&sandbox, &["--qr", "DN-URL-1"]);
    assert_eq!(delivery["state"], "delivered", "{delivery}");
    assert_eq!(delivery["path"], own_url.as_str());
    {
        let inbox = merchant.inbox.lock().unwrap();
        let (path, _, body) = inbox.last().unwrap();
        assert_eq!(path, "/api/dana/finish-notify");
        assert_eq!(body["originalPartnerReferenceNo"], "DN-URL-1");
        assert_eq!(body["amount"]["value"], "25000.00");
    }
    assert_eq!(status().await.code(), "00");

    // Without a NOTIFICATION entry: the merchant's configured callback.
    dana.call(&order(
        "DN-URL-2",
        vec![url_param(
            "https://shop.example/back",
            DanaUrlParam::PAY_RETURN,
        )],
    ))
    .await
    .unwrap();
    let (_, delivery) = pay_and_wait(&sandbox, &["--qr", "DN-URL-2"]);
    assert_eq!(delivery["state"], "delivered", "{delivery}");
    assert_eq!(
        merchant.inbox.lock().unwrap().last().unwrap().0,
        "/api/v1.0/debit/notify"
    );

    // A NOTIFICATION URL the sandbox could not send to is refused when the order is made.
    let err = dana
        .call(&order(
            "DN-URL-3",
            vec![url_param("merchant/notify", DanaUrlParam::NOTIFICATION)],
        ))
        .await
        .unwrap_err();
    assert_eq!(
        err.response_code().map(|c| c.to_string()).as_deref(),
        Some("4005401"),
        "{err}"
    );
    assert!(err.to_string().contains("urlParams[0].url"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doku_qr_paths_generate_query_refund_cancel_and_notify() {
    let merchant = standard_merchant(snap_http::SignatureMode::Symmetric, &sandbox_key()).await;
    let sandbox = sandbox_with(&merchant.base, &["--profile", "doku"]);
    let doku = client(&sandbox, ProviderProfile::doku());
    // Generate (47) at /snap-adapter/b2b/v1.0/qr/qr-mpm-generate.
    let generated = doku
        .call(&StandardQrGenerateRequest {
            partner_reference_no: Some("DK-QR-1".into()),
            amount: Some(Money::idr(Amount::new(3_000_000).unwrap())),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(generated.response_code.to_string(), "2004700");
    assert!(generated.has_qr());
    // The payer pays: the sandbox (as DOKU) notifies the merchant (52).
    let (_, delivery) = pay_and_wait(&sandbox, &["--qr", "DK-QR-1"]);
    assert_eq!(delivery["state"], "delivered", "{delivery}");
    let (service, _, body) = merchant.inbox.lock().unwrap().last().unwrap().clone();
    assert_eq!(service, "52");
    assert_eq!(body["originalPartnerReferenceNo"], "DK-QR-1");
    assert_eq!(body["amount"]["value"], "30000.00");
    // Query (51), refund (78).
    let query = doku
        .call(&StandardQrQueryRequest {
            original_partner_reference_no: Some("DK-QR-1".into()),
            service_code: "47".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(query.latest_transaction_status.unwrap().code(), "00");
    let refund: StandardQrRefundRequest = serde_json::from_value(json!({
        "originalPartnerReferenceNo": "DK-QR-1", "partnerRefundNo": "DK-RF-1",
        "refundAmount": {"value": "10000.00", "currency": "IDR"},
    }))
    .unwrap();
    let refunded = doku.call(&refund).await.unwrap();
    assert_eq!(refunded.response_code.to_string(), "2007800");
    assert_eq!(refunded.partner_refund_no.as_deref(), Some("DK-RF-1"));
    // Cancel (77) an unpaid QR.
    doku.call(&StandardQrGenerateRequest {
        partner_reference_no: Some("DK-QR-2".into()),
        amount: Some(Money::idr(Amount::new(1_000_000).unwrap())),
        ..Default::default()
    })
    .await
    .unwrap();
    let cancel: StandardQrCancelRequest = serde_json::from_value(json!({
        "originalPartnerReferenceNo": "DK-QR-2", "merchantId": "SANDBOX0001", "reason": "changed mind",
    }))
    .unwrap();
    let cancelled = doku.call(&cancel).await.unwrap();
    assert_eq!(cancelled.response_code.to_string(), "2007700");
    // The standard's paths are not DOKU's: the same client with the standard's paths is lost.
    let err = client(&sandbox, ProviderProfile::standard())
        .call(&StandardQrQueryRequest {
            original_partner_reference_no: Some("DK-QR-1".into()),
            service_code: "47".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
}
