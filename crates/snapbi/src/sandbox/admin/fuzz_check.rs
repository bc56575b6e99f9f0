//! The checks of the `sandbox_admin` fuzz target (fuzz/fuzz_targets/sandbox_admin.rs calls
//! [`crate::fuzz_sandbox_admin`]; the tests below replay its corpus and findings).
//!
//! An input is a script of up to eight admin requests separated by NUL bytes, each
//! `METHOD PATH` on its first line and the body after it (`POST /_sandbox/pay\n{"va":…}`), run
//! against a fresh sandbox (the demo configuration, in memory, its merchant's callbacks going to
//! a closed port) whose ledger holds an open-amount VA, a fixed-amount VA and a QR. Time is paused
//! (`wait_ms` and retry backoffs take no real time). What must hold:
//!
//! - never a panic, and never a 5xx: everything here is a client's mistake or a business refusal;
//! - API answers are JSON (`Content-Type: application/json`), a refusal carries `error` or a SNAP
//!   `responseCode` whose first three digits are the HTTP status; web pages are HTML or redirects;
//! - a payment answered 200 names a delivery that `GET /_sandbox/deliveries/{id}` then shows, and
//!   the transaction is in the ledger with the status the answer gave (`paid`, or `expired` under
//!   the expired-VA fault);
//! - fault settings that `PUT /_sandbox/faults` accepted are what `GET` reads back;
//! - the ledger stays readable and keeps every transaction.

#![allow(
    clippy::expect_used,
    reason = "a fuzz check reports a broken property, or a harness that cannot start, by panicking"
)]

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use serde_json::Value;
use snap_types::Amount;

use crate::sandbox::config::{Notifications, Profiles, SandboxConfig};
use crate::sandbox::provider::Sandbox;
use crate::sandbox::server::open_state;
use crate::sandbox::state::{Flavor, Qr, Status, Va};

/// Requests per input at most.
const MAX_REQUESTS: usize = 8;

/// The seeded transactions.
const OPEN_VA: &str = "8889900011110001";
const FIXED_VA: &str = "8889900011110002";
const QR_REFERENCE: &str = "QR-FUZZ-1";

/// The demo configuration (its RSA key is parsed once), with callbacks to a closed port.
fn config() -> &'static SandboxConfig {
    static CONFIG: OnceLock<SandboxConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        SandboxConfig::demo(
            ([127, 0, 0, 1], 0).into(),
            "http://127.0.0.1:9/api",
            Profiles::default(),
            Notifications::Symmetric,
            false,
        )
        .expect("the demo configuration")
    })
}

/// Runs one input's script; see the module docs for what is checked.
pub(crate) fn fuzz_check(data: &[u8]) {
    run(data);
}

/// Runs the script with the checks and returns the status of each request it made.
fn run(data: &[u8]) -> Vec<StatusCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let sandbox = open_state(config()).expect("sandbox state");
        seed(&sandbox);
        let mut statuses = Vec::new();
        for part in data.split(|&b| b == 0).take(MAX_REQUESTS) {
            let Some(request) = request_of(part) else {
                continue;
            };
            let (method, path) = (request.method().clone(), request.uri().path().to_owned());
            let put_faults =
                method == Method::PUT && path.trim_end_matches('/') == "/_sandbox/faults";
            let answer = Answer::of(super::handle(&sandbox, request).await).await;
            answer.check_form(&method, &path);
            statuses.push(answer.status);
            if put_faults && answer.status == StatusCode::OK {
                let read = get(&sandbox, "/_sandbox/faults").await;
                assert_eq!(read.json(), answer.json(), "faults read back differ");
            }
            if method == Method::POST && path.trim_end_matches('/') == "/_sandbox/pay" {
                check_paid(&sandbox, &answer).await;
            }
        }
        let ledger = get(&sandbox, "/_sandbox/ledger").await.json();
        let vas = ledger["virtualAccounts"].as_array().map_or(0, Vec::len);
        let qrs = ledger["qris"].as_array().map_or(0, Vec::len);
        assert!(
            vas >= 2 && qrs >= 1,
            "the ledger lost transactions: {ledger}"
        );
        statuses
    })
}

/// An answer read whole.
struct Answer {
    status: StatusCode,
    content_type: String,
    location: bool,
    body: Bytes,
}

impl Answer {
    async fn of(response: Response<Full<Bytes>>) -> Self {
        let (parts, body) = response.into_parts();
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            status: parts.status,
            content_type: header(http::header::CONTENT_TYPE).unwrap_or_default(),
            location: parts.headers.contains_key(http::header::LOCATION),
            body: body
                .collect()
                .await
                .map_or_else(|e| match e {}, |b| b.to_bytes()),
        }
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} answered a body that is no JSON ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The answer's form: no 5xx; JSON for the API (a SNAP refusal's code matching the status),
    /// HTML or a redirect for the web pages.
    fn check_form(&self, method: &Method, path: &str) {
        assert!(
            !self.status.is_server_error(),
            "{method} {path} answered {}: {:?}",
            self.status,
            String::from_utf8_lossy(&self.body)
        );
        if path.starts_with("/_sandbox/web") {
            assert!(
                self.content_type.starts_with("text/html")
                    || (self.status.is_redirection() && self.location),
                "{method} {path}: a web answer is HTML or a redirect, not {:?} {}",
                self.content_type,
                self.status
            );
            return;
        }
        assert_eq!(self.content_type, "application/json", "{method} {path}");
        let json = self.json();
        if let Some(code) = json.get("responseCode") {
            let code = code.as_str().expect("responseCode is text");
            assert!(
                code.len() == 7 && code.starts_with(self.status.as_str()),
                "{method} {path}: code {code} under HTTP {}",
                self.status
            );
        } else if !self.status.is_success() {
            assert!(
                json["error"].is_string(),
                "{method} {path}: a refusal says why: {json}"
            );
        }
    }
}

/// A GET the check makes itself: it must succeed.
async fn get(sandbox: &Sandbox, path: &str) -> Answer {
    let request = Request::get(path)
        .body(Full::new(Bytes::new()))
        .expect("request");
    let answer = Answer::of(super::handle(sandbox, request).await).await;
    assert_eq!(answer.status, StatusCode::OK, "GET {path}");
    answer
}

/// After a payment answered 200: its delivery is listed and the transaction is paid.
async fn check_paid(sandbox: &Sandbox, answer: &Answer) {
    if answer.status != StatusCode::OK {
        return;
    }
    let paid = answer.json();
    let id = paid["deliveryId"]
        .as_u64()
        .expect("a payment names its delivery");
    let delivery = get(sandbox, &format!("/_sandbox/deliveries/{id}"))
        .await
        .json();
    assert_eq!(delivery["id"].as_u64(), Some(id), "{delivery}");
    let reference = paid["reference"]
        .as_str()
        .expect("a payment names what it paid");
    // `paid`, or `expired` when the expired-VA fault turned the payment into an expiry.
    let status = &paid["status"];
    assert!(status == "paid" || status == "expired", "{paid}");
    let ledger = get(sandbox, "/_sandbox/ledger").await.json();
    let listed = ["virtualAccounts", "qris"].iter().any(|list| {
        ledger[list].as_array().is_some_and(|items| {
            items.iter().any(|t| {
                (t["virtualAccountNo"] == reference || t["referenceNo"] == reference)
                    && &t["status"] == status
            })
        })
    });
    assert!(
        listed,
        "{reference} is not {status} in the ledger: {ledger}"
    );
}

/// `METHOD PATH\nBODY`; the path is put under `/_sandbox/` unless it is there already. `None` for
/// what is no HTTP request at all (hyper refuses it before any service sees it).
fn request_of(part: &[u8]) -> Option<Request<Full<Bytes>>> {
    let split = part.iter().position(|&b| b == b'\n').unwrap_or(part.len());
    let (head, body) = (&part[..split], part.get(split + 1..).unwrap_or_default());
    let head = std::str::from_utf8(head).ok()?;
    let (method, path) = head.split_once(' ').unwrap_or(("GET", head));
    let path = if path.starts_with("/_sandbox/") {
        path.to_owned()
    } else {
        format!("/_sandbox/{}", path.trim_start_matches('/'))
    };
    Request::builder()
        .method(Method::from_bytes(method.as_bytes()).ok()?)
        .uri(path)
        .body(Full::new(Bytes::copy_from_slice(body)))
        .ok()
}

/// An open-amount VA, a VA of 10000.00 and a QR of 25000.00, all open, of the demo merchant.
fn seed(sandbox: &Arc<Sandbox>) {
    let now = sandbox.now();
    let amount = |text: &str| text.parse::<Amount>().expect("amount");
    for (number, due) in [(OPEN_VA, "0.00"), (FIXED_VA, "10000.00")] {
        let va = Va {
            merchant: 0,
            flavor: Flavor::QoinHub,
            partner_id: sandbox.merchants[0].client_id.clone(),
            virtual_account_no: number.to_owned(),
            partner_service_id: "88899000".to_owned(),
            customer_no: number[8..].to_owned(),
            trx_id: format!("trx-{number}"),
            reference_no: format!("ref-{number}"),
            payment_request_id: None,
            name: "Fuzz".to_owned(),
            email: "fuzz@example.com".to_owned(),
            phone: "081234567890".to_owned(),
            amount: amount(due),
            paid_amount: None,
            paid_at: None,
            expires_at: now + time::Duration::days(1),
            status: Status::Open,
        };
        sandbox.store.insert_va(va).expect("seed VA");
    }
    let qr = Qr {
        merchant: 0,
        partner_id: sandbox.merchants[0].client_id.clone(),
        flavor: Flavor::Finpay,
        reference_no: QR_REFERENCE.to_owned(),
        partner_reference_no: "fuzz-qr-1".to_owned(),
        amount: amount("25000.00"),
        qr_content: "000201".to_owned(),
        created_at: now,
        expires_at: Some(now + time::Duration::hours(1)),
        paid_at: None,
        status: Status::Open,
        refunds: Vec::new(),
        notify_url: None,
    };
    sandbox.store.insert_qr(qr).expect("seed QR");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crate::fuzz_inputs as inputs;

    /// Replays fuzz/corpus/sandbox_admin with the target's checks.
    #[test]
    fn sandbox_admin_corpus_replays() {
        let files = inputs("corpus/sandbox_admin");
        assert!(files.len() >= 10, "the corpus is missing");
        for file in files {
            super::fuzz_check(&std::fs::read(&file).unwrap());
        }
    }

    /// Replays fuzz/regressions/sandbox_admin (inputs that once failed), if any.
    #[test]
    fn sandbox_admin_findings_replay() {
        for file in inputs("regressions/sandbox_admin") {
            super::fuzz_check(&std::fs::read(&file).unwrap());
        }
    }

    /// The script form reaches what it names: the seeded VA and QR are paid (their deliveries
    /// listed, as the checks require), a second payment is refused, faults are set, an unknown
    /// route and a bad body are refused.
    #[test]
    fn scripts_reach_the_seeded_ledger() {
        let statuses = super::run(
            b"POST /_sandbox/pay\n{\"va\":\"8889900011110002\"}\0\
              POST pay\n{\"va\":\"8889900011110002\"}\0\
              POST pay\n{\"qr\":\"QR-FUZZ-1\"}\0\
              GET deliveries/2?wait_ms=60000\0\
              PUT faults\n{\"delay_ms\":5}\0\
              GET nowhere\0\
              POST pay\n{\"va\":1}",
        );
        let codes: Vec<u16> = statuses.iter().map(|s| s.as_u16()).collect();
        assert_eq!(codes, [200, 404, 200, 200, 200, 404, 400]);
    }
}
