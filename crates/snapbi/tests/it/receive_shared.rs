//! Several `snapbi receive` processes on one PostgreSQL database behave as one receiver.
//!
//! The database comes from `SNAP_TEST_DATABASE_URL` (`bash .ci/test` starts a private cluster);
//! each test makes a database of its own there. Without the variable, outside CI, each test prints
//! "skipped: no database".

use std::collections::HashMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};

use super::receive::{
    HttpClient, Receiver, SNAP, client, notify, now, partner, send, setup, token, va_body,
};

const VA_PATH: &str = "/api/v1.0/transfer-va/payment";

/// A fresh database on the test server, or `None` (with a visible note) when there is none.
async fn database() -> Option<String> {
    let url = match std::env::var("SNAP_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var_os("CI").is_some() => {
            panic!("SNAP_TEST_DATABASE_URL is not set under CI (bash .ci/test sets it)")
        }
        _ => {
            eprintln!("skipped: no database (set SNAP_TEST_DATABASE_URL, or run bash .ci/test)");
            return None;
        }
    };
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "snapbi_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let (admin, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    for statement in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        admin.batch_execute(&statement).await.unwrap();
    }
    let (base, _) = url.rsplit_once('/').unwrap();
    Some(format!("{base}/{name}"))
}

/// A receiver config on `url` with a short claim lease (a dead instance's claims expire fast).
fn shared_setup(url: &str) -> tempfile::TempDir {
    setup(&format!("store = \"{url}\"\nclaim_lease_secs = 1\n"))
}

fn inbox_export(url: &str) -> (i32, Vec<serde_json::Value>, String) {
    let out = Command::new(SNAP)
        .args(["inbox", "export", "--store", url])
        .output()
        .unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        out.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The same notification signed anew (fresh X-TIMESTAMP), posted to `base`.
async fn post(
    client: &HttpClient,
    base: &str,
    token: &str,
    external_id: &str,
    body: Vec<u8>,
) -> Result<(u16, String), String> {
    notify(client, base, token, external_id, body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_receivers_on_one_database_answer_as_one() {
    let Some(url) = database().await else { return };
    let dir = shared_setup(&url);
    // Both start at once: the schema is created once, under the advisory lock.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Receiver::start(dir.path(), &[]));
        let b = s.spawn(|| Receiver::start(dir.path(), &[]));
        (a.join().unwrap(), b.join().unwrap())
    });
    let client = client();
    let token = token(&client, &a.base).await;

    // 100 copies of one signed notification, at once, spread over both instances.
    let request = partner()
        .notification(VA_PATH, Some(&token), va_body("same-1"), &now(), "7001")
        .unwrap();
    let copies = (0..100).map(|i| {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let request = request.clone().into_request_to(base).unwrap();
        let client = client.clone();
        async move { send(&client, request).await.unwrap() }
    });
    let answers = futures_util::future::join_all(copies).await;
    let first = answers[0].clone();
    assert_eq!(first.0, 200, "{}", first.1);
    assert!(first.1.contains("2002500"), "{}", first.1);
    assert!(
        answers.iter().all(|answer| *answer == first),
        "100 identical answers: {:?}",
        answers
            .iter()
            .filter(|x| **x != first)
            .take(3)
            .collect::<Vec<_>>()
    );

    // A re-indented retry is the same request; another body under the id conflicts, on either.
    let compact = snap_crypto::minify(&va_body("same-1")).unwrap();
    assert_eq!(
        post(&client, &b.base, &token, "7001", compact)
            .await
            .unwrap(),
        first
    );
    for base in [&a.base, &b.base] {
        let (status, body) = post(&client, base, &token, "7001", va_body("other"))
            .await
            .unwrap();
        assert_eq!(status, 409, "{body}");
        assert!(body.contains("4092500"), "{body}");
    }
    // A body that is not UTF-8 is refused and never stored.
    let mut bad = va_body("bad-utf8");
    let at = bad.windows(8).position(|w| w == b"bad-utf8").unwrap();
    bad[at] = 0xff;
    let (status, body) = post(&client, &a.base, &token, "7002", bad).await.unwrap();
    assert_eq!(status, 400, "{body}");

    let (code, stored, stderr) = inbox_export(&url);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stored.len(), 1, "exactly one record: {stored:?}");
    assert_eq!(stored[0]["externalId"], "7001");
    assert_eq!(stored[0]["body"]["trxId"], "same-1");
    a.terminate();
    b.terminate();
}

/// A body re-indented: the same minified form, other bytes.
fn reindented(body: &[u8]) -> Vec<u8> {
    let minified = snap_crypto::minify(body).unwrap();
    let mut out = Vec::with_capacity(minified.len() * 2);
    for &byte in &minified {
        out.push(byte);
        if byte == b',' {
            out.extend_from_slice(b"\n    ");
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_one_instance_under_load_loses_nothing_acknowledged() {
    let Some(url) = database().await else { return };
    let dir = shared_setup(&url);
    let b = Receiver::start(dir.path(), &[]);
    let mut a = Receiver::start(dir.path(), &[]);
    let a_base = Arc::new(RwLock::new(a.base.clone()));
    let client = client();
    let token = Arc::new(token(&client, &b.base).await);
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let retried = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for worker in 0..8 {
        let (client, token, a_base, b_base) = (
            client.clone(),
            token.clone(),
            a_base.clone(),
            b.base.clone(),
        );
        let (acknowledged, retried, stop, counter) = (
            acknowledged.clone(),
            retried.clone(),
            stop.clone(),
            counter.clone(),
        );
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let external_id = format!("{}", 8_000_000 + n);
                let body = va_body(&format!("kill-{n}"));
                let first = if worker % 2 == 0 {
                    a_base.read().unwrap().clone()
                } else {
                    b_base.clone()
                };
                let mut answer = post(&client, &first, &token, &external_id, body.clone()).await;
                // The instance died under it: the provider retries (re-indented) on the other.
                while answer.is_err() {
                    retried.fetch_add(1, Ordering::Relaxed);
                    answer = post(&client, &b_base, &token, &external_id, reindented(&body)).await;
                }
                match answer {
                    Ok((200, _)) => acknowledged.lock().unwrap().push(external_id),
                    Ok((status, body)) => panic!("{external_id}: {status} {body}"),
                    Err(e) => panic!("{external_id}: {e}"),
                }
            }
        }));
    }
    let mut seed = u64::from(std::process::id()) | 1;
    for _ in 0..10 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let pause = 100 + (seed >> 33) % 300;
        tokio::time::sleep(Duration::from_millis(pause)).await;
        a.kill();
        a = Receiver::start(dir.path(), &[]);
        *a_base.write().unwrap() = a.base.clone();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 50,
        "load too light: {}",
        acknowledged.len()
    );
    assert!(
        retried.load(Ordering::Relaxed) > 0,
        "no request was cut by a kill"
    );

    let (code, stored, stderr) = inbox_export(&url);
    assert_eq!(code, 0, "{stderr}");
    let mut seen: HashMap<String, usize> = HashMap::new();
    for record in &stored {
        let id = record["externalId"].as_str().unwrap().to_owned();
        let n: usize = id.parse::<usize>().unwrap() - 8_000_000;
        assert_eq!(
            record["body"]["trxId"],
            format!("kill-{n}"),
            "complete record"
        );
        *seen.entry(id).or_default() += 1;
    }
    for id in &acknowledged {
        assert_eq!(
            seen.get(id),
            Some(&1),
            "acknowledged {id} stored exactly once"
        );
    }
    assert!(seen.values().all(|&count| count == 1));
    a.terminate();
    b.terminate();
}

/// A target that answers 2xx and counts what it received, by notification id.
async fn counting_target() -> (String, Arc<Mutex<HashMap<u64, usize>>>) {
    use hyper::service::service_fn;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/snap", listener.local_addr().unwrap());
    let counts = Arc::new(Mutex::new(HashMap::new()));
    let shared = counts.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let counts = shared.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let counts = counts.clone();
                    async move {
                        let body = request.into_body().collect().await.unwrap().to_bytes();
                        let envelope: serde_json::Value = serde_json::from_slice(&body).unwrap();
                        let id = envelope["id"].as_u64().unwrap();
                        *counts.lock().unwrap().entry(id).or_insert(0) += 1;
                        Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(
                            Bytes::new(),
                        )))
                    }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    (url, counts)
}

async fn wait_for_deliveries(counts: &Mutex<HashMap<u64, usize>>, expected: usize) {
    for _ in 0..200 {
        if counts.lock().unwrap().len() >= expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "only {} of {expected} delivered",
        counts.lock().unwrap().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_delivers_once_across_instances_and_resumes_after_a_kill() {
    let Some(url) = database().await else { return };
    let (target, counts) = counting_target().await;
    let dir = shared_setup(&url);
    let forward = ["--forward", target.as_str()];
    let a = Receiver::start(dir.path(), &forward);
    let b = Receiver::start(dir.path(), &forward);
    let client = client();
    let token = token(&client, &a.base).await;
    let send_batch = |from: usize, to: usize, a: String| {
        let (client, token, b) = (client.clone(), token.clone(), b.base.clone());
        async move {
            let posts = (from..to).map(|n| {
                let base = if n % 2 == 0 { a.clone() } else { b.clone() };
                let (client, token) = (client.clone(), token.clone());
                async move {
                    let external_id = format!("{}", 9_000_000 + n);
                    let (status, body) = post(&client, &base, &token, &external_id, va_body("fwd"))
                        .await
                        .unwrap();
                    assert_eq!(status, 200, "{body}");
                }
            });
            futures_util::future::join_all(posts).await;
        }
    };

    // Both instances forward from one outbox: each notification reaches the target once.
    send_batch(0, 60, a.base.clone()).await;
    wait_for_deliveries(&counts, 60).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    {
        let counts = counts.lock().unwrap();
        assert_eq!(counts.len(), 60);
        assert!(
            counts.values().all(|&n| n == 1),
            "delivered twice: {:?}",
            counts.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
        );
    }

    // One instance is killed while it forwards; the outbox resumes (on the survivor, and on the
    // restarted one) and every notification arrives.
    send_batch(60, 120, a.base.clone()).await;
    a.kill();
    let a = Receiver::start(dir.path(), &forward);
    wait_for_deliveries(&counts, 120).await;
    // Entries the killed instance had taken are sent again once their lock (the 1 s lease) runs
    // out: the store marks every one delivered in the end.
    let mut pending = None;
    for _ in 0..100 {
        let (code, stored, stderr) = inbox_export(&url);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(stored.len(), 120);
        pending = stored
            .into_iter()
            .find(|record| record["delivery"]["status"] != "delivered");
        if pending.is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(pending, None, "still pending");
    let twice = counts.lock().unwrap().values().filter(|&&n| n > 1).count();
    // Only what the killed instance had in flight (at most 16 entries) can be sent again.
    assert!(twice <= 16, "{twice} sent again after the kill");
    assert_eq!(counts.lock().unwrap().len(), 120);
    a.terminate();
    b.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_records_are_reported_and_never_forwarded() {
    let Some(url) = database().await else { return };
    let (target, counts) = counting_target().await;
    let dir = shared_setup(&url);
    let a = Receiver::start(dir.path(), &[]);
    let client = client();
    let token = token(&client, &a.base).await;
    for n in 0..3 {
        let (status, body) = post(
            &client,
            &a.base,
            &token,
            &format!("{}", 6_000 + n),
            va_body("ok"),
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{body}");
    }
    a.terminate();
    // Damage the middle record (a partner id no SNAP header can carry, and a body that is not
    // JSON) and queue all three for forwarding.
    let (db, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    db.batch_execute(
        "UPDATE snap_notifications SET partner_id = repeat('x', 80), body = '\\xff'::bytea \
         WHERE id = (SELECT min(id) + 1 FROM snap_notifications); \
         INSERT INTO snap_outbox (notification_id) SELECT id FROM snap_notifications;",
    )
    .await
    .unwrap();

    let (code, stored, stderr) = inbox_export(&url);
    assert_eq!(code, 1, "an unreadable record makes the exit code 1");
    assert_eq!(stored.len(), 2, "the others are still exported");
    assert!(stderr.contains("is unreadable"), "{stderr}");

    // The forwarder sends the readable ones and abandons the other, saying why.
    let a = Receiver::start(dir.path(), &["--forward", target.as_str()]);
    wait_for_deliveries(&counts, 2).await;
    let mut abandoned = None;
    for _ in 0..100 {
        let row = db
            .query_one(
                "SELECT state, last_error FROM snap_outbox \
                 WHERE notification_id = (SELECT min(id) + 1 FROM snap_notifications)",
                &[],
            )
            .await
            .unwrap();
        let state: String = row.get(0);
        if state == "abandoned" {
            abandoned = row.get::<_, Option<String>>(1);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let reason = abandoned.expect("the unreadable record is abandoned");
    assert!(reason.contains("partner_id"), "{reason}");
    assert_eq!(counts.lock().unwrap().len(), 2);
    a.terminate();
}
