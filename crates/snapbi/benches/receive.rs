//! `cargo xtask bench receive`: acceptance of VA payment notifications by `snapbi receive`, three
//! stores measured in the same run with the same load (64 keep-alive connections, pre-signed
//! notifications with a distinct X-EXTERNAL-ID each):
//!
//! - in-memory: the redb store on redb's in-memory backend (the same code without the disk);
//! - redb: the default embedded store, durable (group commit);
//! - PostgreSQL: two receivers on one database, the connections split between them.
//!
//! Floors (issue 19): redb ≥ 0.5× in-memory; PostgreSQL ≥ 0.2× redb. Each side prints its p99 and
//! the peak RSS of its receiver process(es).
//!
//! Environment: `SNAP_BENCH_SECONDS` (default 5), `SNAP_BENCH_CONNECTIONS` (default 64),
//! `SNAP_BENCH_DATABASE_URL` (a database the bench may fill; `cargo xtask bench receive` starts a
//! private cluster and sets it; without it the PostgreSQL side is skipped).
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

/// Which store a side runs on.
#[derive(Clone, Copy)]
enum Store<'a> {
    InMemory,
    Redb,
    Postgres(&'a str),
}

/// What one side measured.
struct Side {
    label: &'static str,
    report: LoadReport,
    rss_kib: Vec<u64>,
}

fn main() {
    let seconds = env_number("SNAP_BENCH_SECONDS", 5);
    let connections = env_number("SNAP_BENCH_CONNECTIONS", 64) as usize;
    let database = std::env::var("SNAP_BENCH_DATABASE_URL").ok();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "snapbi receive: VA payment notifications, {connections} connections, {seconds} s per side"
    );
    let memory = runtime.block_on(side("in-memory", Store::InMemory, connections, seconds));
    let redb = runtime.block_on(side("redb", Store::Redb, connections, seconds));
    let postgres = match database.as_deref() {
        Some(url) => Some(runtime.block_on(side(
            "postgres x2",
            Store::Postgres(url),
            connections,
            seconds,
        ))),
        None => {
            println!("  postgres x2        skipped: no database (SNAP_BENCH_DATABASE_URL)");
            None
        }
    };
    let rps = |side: &Side| side.report.requests_per_second();
    let verdict = |ratio: f64, floor: f64| if ratio >= floor { "met" } else { "MISSED" };
    let ratio = rps(&redb) / rps(&memory);
    println!(
        "ratio redb/in-memory: {ratio:.2}x (floor >= 0.50x: {})",
        verdict(ratio, 0.5)
    );
    if let Some(postgres) = &postgres {
        let ratio = rps(postgres) / rps(&redb);
        println!(
            "ratio postgres(2 receivers)/redb: {ratio:.2}x (floor >= 0.20x: {})",
            verdict(ratio, 0.2)
        );
    }
    for side in [Some(&memory), Some(&redb), postgres.as_ref()]
        .into_iter()
        .flatten()
    {
        let rss: Vec<String> = side
            .rss_kib
            .iter()
            .map(|k| format!("{} MiB", k / 1024))
            .collect();
        println!(
            "  {:12} p99 {:>6} us  peak RSS {}",
            side.label,
            side.report.percentile_us(0.99),
            rss.join(" + ")
        );
    }
}

/// Starts the receiver(s) of a side, drives them, prints and returns the figures.
async fn side(label: &'static str, store: Store<'_>, connections: usize, seconds: u64) -> Side {
    let dir = tempfile::tempdir().unwrap();
    let receivers: Vec<(Child, SocketAddr)> = match store {
        Store::InMemory => vec![start(dir.path(), "", true)],
        Store::Redb => vec![start(dir.path(), "", false)],
        Store::Postgres(url) => {
            let database = fresh_database(url).await;
            let config = format!("store = \"{database}\"\nstore_connections = 16\n");
            vec![
                start(dir.path(), &config, false),
                start(dir.path(), &config, false),
            ]
        }
    };
    let partner = TestPartner::new("QoinSnap")
        .with_channel_id(Some("95221"))
        .with_private_key(
            RsaPrivateKey::from_file(fixtures().join("keys/rsa2048-pkcs8.pem")).unwrap(),
        )
        .with_client_secret(ClientSecret::new(SECRET));
    let token = token(&partner, receivers[0].1).await;
    let body =
        std::fs::read(fixtures().join("examples/000-qoinhub-va-payment-request.json")).unwrap();
    let now = timestamp_at(snap_crypto::Clock::now(&snap_crypto::SystemClock));
    let template = partner
        .notification(VA_PATH, Some(&token), body, &now, "0")
        .unwrap();
    // The connections are split between the receivers; each run has its own external ids.
    let share = connections / receivers.len();
    let runs = receivers.iter().enumerate().map(|(i, (_, addr))| {
        let mut options = LoadOptions::new(share, Duration::from_secs(seconds));
        options.first_external_id = 1 + (i as u64) * 1_000_000_000;
        run(*addr, template.clone(), options)
    });
    let reports: Vec<LoadReport> = futures_util::future::join_all(runs)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let mut report = reports[0].clone();
    for other in &reports[1..] {
        report.latencies_us.extend(&other.latencies_us);
        report.errors += other.errors;
        report.sent += other.sent;
    }
    report.latencies_us.sort_unstable();
    let rss_kib = receivers
        .iter()
        .map(|(child, _)| peak_rss_kib(child))
        .collect();
    for (mut child, _) in receivers {
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        child.wait().unwrap();
    }
    println!(
        "  {label:12} {:>8.0} req/s  p50 {:>6} us  p99 {:>6} us  errors {}",
        report.requests_per_second(),
        report.percentile_us(0.5),
        report.percentile_us(0.99),
        report.errors,
    );
    Side {
        label,
        report,
        rss_kib,
    }
}

/// A new, empty database next to the one `url` names.
async fn fresh_database(url: &str) -> String {
    let (admin, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let name = format!("snapbi_bench_{}", std::process::id());
    for statement in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        admin.batch_execute(&statement).await.unwrap();
    }
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

fn start(dir: &Path, store: &str, in_memory: bool) -> (Child, SocketAddr) {
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
        format!(
            r#"listen = "127.0.0.1:0"
prefix = "/api"
data_dir = "data"
token_key_file = "token.key"
{store}
[[partners]]
client_id = "QoinSnap"
public_key_file = "partner.pub.pem"
client_secret_file = "partner.secret"
"#
        ),
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_snapbi"));
    command
        .args(["receive", "--config"])
        .arg(dir.join("receiver.toml"))
        // Per-request lines would measure the terminal.
        .env("RUST_LOG", "warn");
    if in_memory {
        command.arg("--in-memory-store");
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
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
