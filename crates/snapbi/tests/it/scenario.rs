//! The sandbox's outcomes chosen by amount (`.41` expires, `.42` twice, `.43` delayed, `.44` the
//! merchant's next call fails), each seen from outside: a `snapbi sandbox --demo` process, a
//! `snapbi receive` merchant, the admin CLI and snap-http's client.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::web::{create_va, merchant_client, receiver, spawn};

const SNAP: &str = env!("CARGO_BIN_EXE_snapbi");

/// `snapbi sandbox pay --va NO --amount A [--wait]`; the delivery id.
fn pay(admin: &str, va: &str, amount: &str, wait: bool) -> u64 {
    let mut command = Command::new(SNAP);
    command.args([
        "sandbox", "pay", "--va", va, "--amount", amount, "--admin", admin,
    ]);
    if wait {
        command.arg("--wait");
    }
    let out = command.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let end = text.find("\n}").map_or(text.len(), |i| i + 2);
    let paid: Value = serde_json::from_str(&text[..end]).unwrap();
    paid["deliveryId"].as_u64().unwrap()
}

fn delivery(admin: &str, id: u64) -> Value {
    let out = Command::new(SNAP)
        .args(["sandbox", "deliveries", "--json", "--admin", admin])
        .output()
        .unwrap();
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    log.as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cents_of_the_amount_choose_the_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let merchant = receiver(dir.path());
    let sandbox = spawn(&[
        "sandbox",
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--callback",
        &format!("{}/api", merchant.url),
    ]);
    let admin = sandbox.url.clone();
    let client = merchant_client(&sandbox.url);

    // .43: held back 10 s before the first attempt.
    let open = create_va(&client, "sc-delay", "0.00").await;
    let paid_at = Instant::now();
    let delayed = pay(&admin, &open, "500.43", false);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let d = delivery(&admin, delayed);
    assert_eq!(
        (d["state"].as_str(), d["scenario"].as_str()),
        (Some("pending"), Some("delay"))
    );
    assert_eq!(d["attempts"].as_array().unwrap().len(), 0, "{d}");

    // .42: delivered, then the identical request again; the merchant answers both alike.
    let open = create_va(&client, "sc-twice", "0.00").await;
    let twice = pay(&admin, &open, "10000.42", true);
    let d = delivery(&admin, twice);
    let attempts = d["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{d}");
    assert_eq!(attempts[1]["action"], "duplicate");
    assert_eq!(attempts[0]["responseCode"], "2002500");
    assert_eq!(attempts[1]["answer"], attempts[0]["answer"]);

    // .41: the VA has expired when paid; the notification says so.
    let fixed = create_va(&client, "sc-expire", "20000.41").await;
    let expired = pay(&admin, &fixed, "20000.41", true);
    let d = delivery(&admin, expired);
    assert!(
        d["body"]
            .as_str()
            .unwrap()
            .contains(r#""paymentFlagStatus":"08""#),
        "{d}"
    );

    // .44: the merchant's next call is answered 500 once; the one after works.
    let open = create_va(&client, "sc-error", "0.00").await;
    pay(&admin, &open, "1.44", true);
    let failed = client
        .create_va(&serde_json::from_value(create_body("sc-after")).unwrap())
        .await
        .unwrap_err();
    let code = failed.response_code().map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("5002700"), "{failed}");
    create_va(&client, "sc-after-2", "0.00").await;

    // And the delayed one arrives.
    let out = Command::new(SNAP)
        .args(["sandbox", "deliveries", "--json", "--admin", &admin])
        .output()
        .unwrap();
    assert!(out.status.success());
    loop {
        let d = delivery(&admin, delayed);
        if d["state"] == "delivered" {
            assert!(paid_at.elapsed() >= Duration::from_secs(10));
            break;
        }
        assert!(paid_at.elapsed() < Duration::from_secs(40), "{d}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn create_body(trx_id: &str) -> Value {
    serde_json::json!({
        "virtualAccountName": "Scenario",
        "virtualAccountEmail": "scenario@example.com",
        "virtualAccountPhone": "6281234567890",
        "trxId": trx_id,
        "totalAmount": {"value": "0.00", "currency": "IDR"},
        "billDetails": [{"billName": "Order", "additionalInfo": {}}],
        "expiredDate": snap_http::testing::timestamp_at(
            snap_crypto::Clock::now(&snap_crypto::SystemClock) + time::Duration::days(1)
        ),
        "additionalInfo": {"enabledh2hpayments": 4}
    })
}
