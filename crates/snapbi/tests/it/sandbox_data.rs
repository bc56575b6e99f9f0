//! `snapbi sandbox --data DIR`: the ledger, the delivery log and the outbox survive a SIGKILL;
//! a delivery left pending is sent after the restart with its X-EXTERNAL-ID and body.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use snap_types::{Amount, Money, QrMpmGenerateRequest};

use super::web::{create_va, merchant_client, receiver, spawn};

const SNAP: &str = env!("CARGO_BIN_EXE_snapbi");

fn admin(admin: &str, args: &[&str]) -> Value {
    let out = Command::new(SNAP)
        .arg("sandbox")
        .args(args)
        .args(["--admin", admin])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{args:?}: {text}");
    let end = text
        .find("\n}")
        .or_else(|| text.find("\n]"))
        .map_or(text.len(), |i| i + 2);
    serde_json::from_str(&text[..end]).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_deliveries_and_outbox_survive_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sandbox-data");
    let merchant = receiver(dir.path());
    let callback = format!("{}/api", merchant.url);
    let start = || {
        spawn(&[
            "sandbox",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--callback",
            &callback,
            "--data",
            data.to_str().unwrap(),
        ])
    };
    let sandbox = start();
    let client = merchant_client(&sandbox.url);
    let va = create_va(&client, "data-va", "10000.00").await;
    let qr = client
        .generate_qr(&QrMpmGenerateRequest {
            partner_reference_no: Some("data-order".into()),
            amount: Some(Money::idr("15000.00".parse::<Amount>().unwrap())),
            ..Default::default()
        })
        .await
        .unwrap()
        .reference_no
        .unwrap();
    admin(&sandbox.url, &["pay", "--va", &va, "--wait"]);
    // The QR's notification cannot get out: it is pending when the sandbox dies.
    admin(&sandbox.url, &["fault", "--drop", "1000"]);
    let paid = admin(&sandbox.url, &["pay", "--qr", &qr]);
    let pending_id = paid["deliveryId"].as_u64().unwrap();
    let before = admin(&sandbox.url, &["deliveries", "--json"]);
    let pending = before
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == pending_id)
        .unwrap()
        .clone();
    assert_eq!(pending["state"], "pending");
    drop(sandbox); // SIGKILL

    let sandbox = start();
    let ledger = admin(&sandbox.url, &["ledger"]);
    let va_after = &ledger["virtualAccounts"][0];
    assert_eq!(
        (va_after["status"].as_str(), va_after["paidAmount"].as_str()),
        (Some("paid"), Some("10000.00")),
        "{ledger}"
    );
    assert_eq!(ledger["qris"][0]["status"], "paid", "{ledger}");
    // The merchant cannot create the same trxId again: the indices came back too.
    let client = merchant_client(&sandbox.url);
    let again = serde_json::json!({
        "virtualAccountName": "Siti Aminah",
        "virtualAccountEmail": "siti@example.com",
        "virtualAccountPhone": "6281234567890",
        "trxId": "data-va",
        "totalAmount": {"value": "10000.00", "currency": "IDR"},
        "billDetails": [{"billName": "Order 1", "additionalInfo": {}}],
        "expiredDate": snap_http::testing::timestamp_at(snap_crypto::Clock::now(&snap_crypto::SystemClock) + time::Duration::days(1)),
        "additionalInfo": {"enabledh2hpayments": 4}
    });
    let refused = client
        .create_va(&serde_json::from_value(again).unwrap())
        .await;
    assert!(
        refused.is_err(),
        "a trxId used before the restart is still used"
    );

    // The outbox: the pending notification goes out after the restart, same id and body.
    let deadline = Instant::now() + Duration::from_secs(30);
    let delivered = loop {
        let log = admin(&sandbox.url, &["deliveries", "--json"]);
        let d = log
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == pending_id)
            .unwrap()
            .clone();
        if d["state"] == "delivered" {
            assert_eq!(log.as_array().unwrap().len(), 2, "{log}");
            break d;
        }
        assert!(Instant::now() < deadline, "{d}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(delivered["externalId"], pending["externalId"]);
    // Its attempts before and after the restart, numbered in order.
    let numbers: Vec<u64> = delivered["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["attempt"].as_u64().unwrap())
        .collect();
    assert!(
        numbers.len() >= 2 && numbers.windows(2).all(|w| w[0] < w[1]),
        "{numbers:?}"
    );
    assert_eq!(delivered["attempts"][0]["action"], "dropped");
    assert_eq!(delivered["body"], pending["body"]);
    // New deliveries continue the numbering.
    let va2 = create_va(&client, "data-va-2", "0.00").await;
    let paid = admin(&sandbox.url, &["pay", "--va", &va2, "--amount", "5.00"]);
    assert!(paid["deliveryId"].as_u64().unwrap() > pending_id, "{paid}");
}
