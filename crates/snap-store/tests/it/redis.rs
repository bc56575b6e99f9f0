//! The Redis replay store against a real `redis-server` (Debian's `redis-server` package; `bash
//! .ci/test` installs it), including what a crash of Redis does to its claims.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use snap_http::{Claim, Fingerprint, ReceivedRequest, ReplayKey, ReplayStore, StoredResponse};
use snap_store::RedisReplayStore;
use snap_types::ServiceCode;
use time::macros::datetime;

/// A redis-server on a free port, killed (SIGKILL) on drop.
struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    /// `None` (with a visible note) when redis-server is not installed, outside CI.
    fn start(dir: &Path, port: u16, extra: &[&str]) -> Option<Self> {
        let child = match Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--dir"])
            .arg(dir)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(_) if std::env::var_os("CI").is_some() => {
                panic!("redis-server is not installed under CI (bash .ci/test installs it)")
            }
            Err(_) => {
                eprintln!("skipped: no redis-server (apt-get install redis-server)");
                return None;
            }
        };
        let server = Self { child, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(server);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not start on port {port}");
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn key(external_id: &str) -> ReplayKey {
    ReplayKey::new(
        "QoinSnap".parse().unwrap(),
        external_id.parse().unwrap(),
        // Tomorrow in Jakarta: answers expire at the midnight that ends the key's day, so a key
        // of today would expire within seconds when the test runs just before that midnight.
        snap_types::jakarta_date(snap_crypto::Clock::now(&snap_crypto::SystemClock))
            .next_day()
            .unwrap(),
    )
}

fn fp(n: u8) -> Fingerprint {
    Fingerprint::from_bytes([n; 32])
}

fn request(key: &ReplayKey, fingerprint: Fingerprint) -> ReceivedRequest {
    ReceivedRequest::new(
        ServiceCode::TRANSFER_VA_PAYMENT,
        key.clone(),
        "/api/v1.0/transfer-va/payment",
        fingerprint,
        "2026-12-06T17:00:00+07:00".parse().unwrap(),
        datetime!(2026-12-06 10:00 UTC),
        Bytes::from_static(b"{}"),
    )
}

fn success() -> StoredResponse {
    StoredResponse {
        status: 200,
        body: Bytes::from_static(br#"{"responseCode":"2002500"}"#),
    }
}

#[tokio::test]
async fn claims_answers_and_leases() {
    let dir = tempfile::tempdir().unwrap();
    let Some(server) = RedisServer::start(dir.path(), free_port(), &["--save", ""]) else {
        return;
    };
    let store = RedisReplayStore::connect(&server.url())
        .await
        .unwrap()
        .with_lease(Duration::from_millis(300));
    let k = key("1");
    assert_eq!(store.claim(&k, fp(1)).await.unwrap(), Claim::New);
    assert_eq!(store.claim(&k, fp(1)).await.unwrap(), Claim::InProgress);
    assert_eq!(store.claim(&k, fp(2)).await.unwrap(), Claim::Conflict);
    store
        .complete(&request(&k, fp(1)), success())
        .await
        .unwrap();
    assert_eq!(
        store.claim(&k, fp(1)).await.unwrap(),
        Claim::Duplicate(success())
    );
    assert_eq!(store.claim(&k, fp(2)).await.unwrap(), Claim::Conflict);

    let k2 = key("2");
    assert_eq!(store.claim(&k2, fp(1)).await.unwrap(), Claim::New);
    store.release(&k2).await.unwrap();
    assert_eq!(store.claim(&k2, fp(3)).await.unwrap(), Claim::New);
    // The claimant dies: its lease runs out, the retry is handled, the late answer is refused.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.claim(&k2, fp(4)).await.unwrap(), Claim::New);
    assert!(
        store
            .complete(&request(&k2, fp(3)), success())
            .await
            .is_err()
    );
    store
        .complete(&request(&k2, fp(4)), success())
        .await
        .unwrap();
    assert_eq!(
        store.claim(&k2, fp(4)).await.unwrap(),
        Claim::Duplicate(success())
    );
}

/// Answers one claim, SIGKILLs redis-server, restarts it on the same directory, and says whether
/// the answer survived.
async fn answer_survives_a_crash(config: &[&str]) -> Option<bool> {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = RedisServer::start(dir.path(), port, config)?;
    let store = RedisReplayStore::connect(&server.url()).await.unwrap();
    let k = key("crash");
    assert_eq!(store.claim(&k, fp(1)).await.unwrap(), Claim::New);
    store
        .complete(&request(&k, fp(1)), success())
        .await
        .unwrap();
    drop(server); // SIGKILL
    let server = RedisServer::start(dir.path(), port, config)?;
    let store = RedisReplayStore::connect(&server.url()).await.unwrap();
    Some(store.claim(&k, fp(1)).await.unwrap() == Claim::Duplicate(success()))
}

#[tokio::test]
async fn a_crash_loses_claims_unless_every_write_is_fsynced() {
    // Redis's defaults (RDB snapshots every few minutes, no append-only file): lost.
    let Some(kept) = answer_survives_a_crash(&[]).await else {
        return;
    };
    assert!(!kept, "with Redis's defaults a crash loses the claim");
    // appendonly + appendfsync always: kept.
    let durable = ["--appendonly", "yes", "--appendfsync", "always"];
    assert_eq!(answer_survives_a_crash(&durable).await, Some(true));
}
