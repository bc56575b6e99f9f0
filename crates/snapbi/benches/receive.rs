//! `cargo xtask bench receive`: durable acceptance of VA payment notifications by `snapbi receive`
//! (redb journal, group commit) against the same receiver with an in-memory journal, measured in
//! the same run with the same load: 64 keep-alive connections, pre-signed notifications with a
//! distinct X-EXTERNAL-ID each.
//!
//! Targets (issue 7): durable ≥ 0.5× in-memory and ≥ 5,000 notifications/s on a 2-core machine.
//! Environment: `SNAP_BENCH_SECONDS` (default 5), `SNAP_BENCH_CONNECTIONS` (default 64).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

// The load generator of snap-http's server bench (bench tooling, not part of any crate's API).
#[allow(
    dead_code,
    reason = "shared with snap-http's server bench, which reads other figures"
)]
#[path = "../../snap-http/benches/support/load.rs"]
mod load;

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use http_body_util::{BodyExt as _, Full};
use load::{LoadOptions, LoadReport, run};
use snap_crypto::{ClientSecret, RsaPrivateKey};
use snap_http::testing::{TestPartner, timestamp_at};

const SECRET: &str = "bench-client-secret";
const VA_PATH: &str = "/api/v1.0/transfer-va/payment";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let seconds = env_number("SNAP_BENCH_SECONDS", 5);
    let connections = env_number("SNAP_BENCH_CONNECTIONS", 64) as usize;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "snapbi receive: VA payment notifications, {connections} connections, {seconds} s per side"
    );
    let memory = runtime.block_on(side("in-memory journal", true, connections, seconds));
    let durable = runtime.block_on(side("durable journal", false, connections, seconds));
    let ratio = durable.0.requests_per_second() / memory.0.requests_per_second();
    println!(
        "ratio durable/in-memory: {ratio:.2}× (target ≥ 0.50×: {}); durable throughput {:.0}/s (target ≥ 5000/s: {})",
        if ratio >= 0.5 { "met" } else { "MISSED" },
        durable.0.requests_per_second(),
        if durable.0.requests_per_second() >= 5000.0 {
            "met"
        } else {
            "MISSED"
        },
    );
}

/// Starts a receiver, drives it, prints and returns its figures and the commit count.
async fn side(label: &str, in_memory: bool, connections: usize, seconds: u64) -> (LoadReport, u64) {
    let dir = tempfile::tempdir().unwrap();
    let mut receiver = start(dir.path(), in_memory);
    let addr = receiver.1;
    let partner = TestPartner::new("QoinSnap")
        .with_channel_id(Some("95221"))
        .with_private_key(
            RsaPrivateKey::from_file(fixtures().join("keys/rsa2048-pkcs8.pem")).unwrap(),
        )
        .with_client_secret(ClientSecret::new(SECRET));
    let token = token(&partner, addr).await;
    let body =
        std::fs::read(fixtures().join("examples/000-qoinhub-va-payment-request.json")).unwrap();
    let now = timestamp_at(snap_crypto::Clock::now(&snap_crypto::SystemClock));
    let template = partner
        .notification(VA_PATH, Some(&token), body, &now, "0")
        .unwrap();
    let report = run(
        addr,
        template,
        LoadOptions::new(connections, Duration::from_secs(seconds)),
    )
    .await
    .unwrap();
    let rss = peak_rss_kib(&receiver.0);
    let pid = receiver.0.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let mut stderr = String::new();
    use std::io::Read as _;
    receiver
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    receiver.0.wait().unwrap();
    let commits = stderr
        .lines()
        .find_map(|l| l.strip_prefix("snapbi receive: stopped after "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0u64);
    let accepted = report.latencies_us.len() as u64;
    println!(
        "  {label:18} {:>8.0} req/s  p50 {:>6} µs  p99 {:>6} µs  errors {}  peak RSS {} MiB  {} commits for ≥ {} notifications ({:.1} per commit)",
        report.requests_per_second(),
        report.percentile_us(0.5),
        report.percentile_us(0.99),
        report.errors,
        rss / 1024,
        commits,
        accepted,
        if commits == 0 {
            0.0
        } else {
            accepted as f64 / commits as f64
        },
    );
    (report, commits)
}

fn start(dir: &Path, in_memory: bool) -> (Child, SocketAddr) {
    std::fs::copy(
        fixtures().join("keys/rsa2048-public.pem"),
        dir.join("partner.pub.pem"),
    )
    .unwrap();
    std::fs::write(dir.join("partner.secret"), SECRET).unwrap();
    std::fs::write(
        dir.join("token.key"),
        "bench token key of at least 32 bytes",
    )
    .unwrap();
    std::fs::write(
        dir.join("receiver.toml"),
        r#"listen = "127.0.0.1:0"
prefix = "/api"
data_dir = "data"
token_key_file = "token.key"

[[partners]]
client_id = "QoinSnap"
public_key_file = "partner.pub.pem"
client_secret_file = "partner.secret"
"#,
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_snapbi"));
    command
        .args(["receive", "--config"])
        .arg(dir.join("receiver.toml"));
    if in_memory {
        command.arg("--in-memory-journal");
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (child, addr)
}

async fn token(partner: &TestPartner, addr: SocketAddr) -> String {
    let now = timestamp_at(snap_crypto::Clock::now(&snap_crypto::SystemClock));
    let request = partner
        .token_request("/api/v1.0/access-token/b2b", &now)
        .unwrap();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<bytes::Bytes>>();
    let response = client
        .request(request.into_request_to(&format!("http://{addr}")).unwrap())
        .await
        .unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    json["accessToken"].as_str().unwrap().to_owned()
}

fn peak_rss_kib(child: &Child) -> u64 {
    std::fs::read_to_string(format!("/proc/{}/status", child.id()))
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmHWM:")
                    .map(|v| v.trim().trim_end_matches(" kB").trim().to_owned())
            })
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
