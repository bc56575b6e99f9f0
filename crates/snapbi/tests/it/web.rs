//! The sandbox's web simulator in a real browser (headless Chromium through chromedriver): a
//! `snapbi sandbox --demo` process notifying a `snapbi receive` process; a tester opens the
//! ledger, pays a VA and a QR by clicking, and sees the notifications delivered.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;
use snap_crypto::{ClientSecret, RsaPrivateKey};
use snap_http::{ClientConfig, ProviderProfile, SnapClient};
use snap_types::{Amount, CreateVaRequest, Money, QrMpmGenerateRequest};

use super::browser::Browser;

const SNAP: &str = env!("CARGO_BIN_EXE_snapbi");

fn keys() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("demo-keys")
}

/// A child process killed on drop, and the URL it printed on its first line.
pub(super) struct Process {
    child: Child,
    pub(super) url: String,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) fn spawn(args: &[&str]) -> Process {
    let mut child = Command::new(SNAP)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    Process {
        child,
        url,
        _stdout: stdout,
    }
}

/// `snapbi receive` trusting the demo sandbox.
pub(super) fn receiver(dir: &Path) -> Process {
    let k = keys();
    std::fs::write(
        dir.join("receiver.toml"),
        format!(
            "listen = \"127.0.0.1:0\"\nprefix = \"/api\"\ndata_dir = \"data\"\n\
             token_key_file = {:?}\n[[partners]]\nclient_id = \"SNAPSANDBOX\"\n\
             public_key_file = {:?}\nclient_secret_file = {:?}\n",
            k.join("demo-token-key.txt"),
            k.join("demo-public.pem"),
            k.join("demo-client-secret.txt"),
        ),
    )
    .unwrap();
    spawn(&[
        "receive",
        "--config",
        dir.join("receiver.toml").to_str().unwrap(),
    ])
}

fn secret() -> String {
    std::fs::read_to_string(keys().join("demo-client-secret.txt"))
        .unwrap()
        .trim_end()
        .to_owned()
}

pub(super) fn merchant_client(sandbox: &str) -> SnapClient {
    let config = ClientConfig::builder()
        .base_url(sandbox)
        .client_id("DEMO-MERCHANT".parse().unwrap())
        .channel_id("95221".parse().unwrap())
        .private_key(RsaPrivateKey::from_file(keys().join("demo-private.pem")).unwrap())
        .client_secret(ClientSecret::new(&secret()))
        .profile(ProviderProfile::qoinhub())
        .build()
        .unwrap();
    SnapClient::new(config).unwrap()
}

pub(super) async fn create_va(client: &SnapClient, trx_id: &str, value: &str) -> String {
    let request: CreateVaRequest = serde_json::from_value(json!({
        "virtualAccountName": "Siti Aminah",
        "virtualAccountEmail": "siti@example.com",
        "virtualAccountPhone": "6281234567890",
        "trxId": trx_id,
        "totalAmount": {"value": value, "currency": "IDR"},
        "billDetails": [{"billName": "Order 1", "additionalInfo": {}}],
        "expiredDate": snap_http::testing::timestamp_at(
            snap_crypto::Clock::now(&snap_crypto::SystemClock) + time::Duration::days(1)
        ),
        "additionalInfo": {"enabledh2hpayments": 4}
    }))
    .unwrap();
    let response = client.create_va(&request).await.unwrap();
    let number = response
        .virtual_account_data
        .unwrap()
        .virtual_account_no
        .unwrap();
    number
        .as_str()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_a_va_and_a_qr_by_clicking() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = receiver(dir.path());
    let sandbox = spawn(&[
        "sandbox",
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--callback",
        &format!("{}/api", receiver.url),
    ]);
    let client = merchant_client(&sandbox.url);
    let open_va = create_va(&client, "web-open", "0.00").await;
    create_va(&client, "web-fixed", "25000.00").await;
    let qr = client
        .generate_qr(&QrMpmGenerateRequest {
            partner_reference_no: Some("web-order-1".into()),
            amount: Some(Money::idr("15000.00".parse::<Amount>().unwrap())),
            ..Default::default()
        })
        .await
        .unwrap()
        .reference_no
        .unwrap();

    let browser = Browser::start().await;
    let ledger = format!("{}/_sandbox/web", sandbox.url);
    browser.open(&ledger).await;
    let vas = browser.text(&browser.find("#vas").await).await;
    assert!(vas.contains("open") && vas.contains("25000.00"), "{vas}");

    // Pay the open VA: its page, an amount, the button; the delivery page follows the notification.
    let link = browser
        .find(&format!("a.pay-va[href$=\"/va/{open_va}\"]"))
        .await;
    browser.click(&link).await;
    let amount = browser.find("#amount").await;
    browser.type_into(&amount, "12500.00").await;
    browser.click(&browser.find("#pay").await).await;
    browser
        .wait_for("#state .delivered", Duration::from_secs(30))
        .await;
    assert!(browser.url().await.contains("/_sandbox/web/deliveries/"));
    let attempts = browser.text(&browser.find("#attempts").await).await;
    assert!(
        attempts.contains("2002500"),
        "the merchant's answer: {attempts}"
    );
    let page = browser.page_text().await;
    assert!(
        page.contains("\"value\":\"12500.00\""),
        "the body as sent: {page}"
    );

    // Each attempt shows its request headers with the secrets masked, and the merchant's answer.
    assert!(attempts.contains("X-SIGNATURE: ••••••"), "{attempts}");
    assert!(
        attempts.contains("Authorization: Bearer ••••••"),
        "{attempts}"
    );
    assert!(!attempts.contains(&secret()), "{attempts}");

    browser.screenshot("web-simulator-delivery").await;

    // Resend: a new delivery with the same X-EXTERNAL-ID and body, answered as the first.
    let first = browser.url().await;
    browser.click(&browser.find("#resend").await).await;
    // The delivery page being left is itself delivered: wait for the new one first.
    browser
        .wait_for_navigation(&first, Duration::from_secs(30))
        .await;
    browser
        .wait_for("#state .delivered", Duration::from_secs(30))
        .await;
    let page = browser.page_text().await;
    assert!(page.contains("A resend of #1"), "{page}");

    // The QR: drawn, decoded, paid.
    browser.open(&format!("{ledger}/qr/{qr}")).await;
    browser.find("#qr svg").await;
    let payload = browser.text(&browser.find("#payload").await).await;
    assert!(
        payload.contains("Toko Sandbox") && payload.contains("54 5 15000"),
        "{payload}"
    );
    let decoded = browser.text(&browser.find("#decoded").await).await;
    assert!(decoded.contains("Toko Sandbox"), "{decoded}");
    browser.screenshot("web-simulator-qr").await;
    browser.click(&browser.find("#pay").await).await;
    browser
        .wait_for("#state .delivered", Duration::from_secs(30))
        .await;

    // Back on the ledger: both paid, both deliveries delivered.
    browser.open(&ledger).await;
    let vas = browser.text(&browser.find("#vas").await).await;
    assert!(vas.contains("12500.00") && vas.contains("paid"), "{vas}");
    let deliveries = browser.text(&browser.find("#deliveries").await).await;
    assert_eq!(deliveries.matches("delivered").count(), 3, "{deliveries}");
    let shot = browser.screenshot("web-simulator-ledger").await;
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 10_000,
        "{}",
        shot.display()
    );

    // `snapbi sandbox resend` does what the button does.
    let out = Command::new(SNAP)
        .args(["sandbox", "resend", "1", "--wait", "--admin", &sandbox.url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = Command::new(SNAP)
        .args(["sandbox", "deliveries", "--json", "--admin", &sandbox.url])
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let log = log.as_array().unwrap();
    let resends: Vec<&serde_json::Value> = log.iter().filter(|d| d["resendOf"] == 1).collect();
    assert_eq!(resends.len(), 2, "{log:?}");
    for resend in resends {
        assert_eq!(resend["externalId"], log[0]["externalId"]);
        assert_eq!(resend["body"], log[0]["body"]);
        assert_eq!(resend["state"], "delivered");
        // snapbi receive answers a repeat with the answer it stored the first time.
        assert_eq!(
            resend["attempts"][0]["answer"],
            log[0]["attempts"][0]["answer"]
        );
    }

    // The fault switches: a checkbox and Save change what the admin API reports.
    browser.open(&format!("{ledger}/faults")).await;
    browser
        .click(&browser.find("input[name=duplicate]").await)
        .await;
    browser.click(&browser.find("#save-faults").await).await;
    browser.find("input[name=duplicate][checked]").await;
    let out = Command::new(SNAP)
        .args(["sandbox", "fault", "--admin", &sandbox.url])
        .output()
        .unwrap();
    let faults: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(faults["duplicate"], true, "{faults}");
}
