//! X-EXTERNAL-ID idempotency: conflicts, identical retries, concurrency.

use std::sync::Arc;

use snap_http::DuplicatePolicy;

use crate::server_support::*;

#[tokio::test]
async fn identical_retry_replays_and_different_body_conflicts() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let first = server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), va_body(), &ts(), EXTERNAL_ID)
                .unwrap(),
        )
        .await;
    first.expect("2002500", "Successful");
    // The provider retries after a timeout: new timestamp, new signature, same body.
    server.clock.advance(time::Duration::seconds(30));
    let later = snap_http::testing::timestamp_at(snap_crypto::Clock::now(&*server.clock));
    let retry = server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), va_body(), &later, EXTERNAL_ID)
                .unwrap(),
        )
        .await;
    retry.expect("2002500", "Successful");
    assert_eq!(retry.body, first.body);
    assert_eq!(retry.headers["x-timestamp"], later.as_str());
    // Whitespace differences are the same request (the fingerprint is over the minified body).
    let compact = snap_crypto::minify(&va_body()).unwrap();
    server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), compact, &later, EXTERNAL_ID)
                .unwrap(),
        )
        .await
        .expect("2002500", "Successful");
    assert_eq!(server.calls(), 1);

    let other = String::from_utf8(va_body())
        .unwrap()
        .replace("12346678.00", "12346679.00");
    server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), other, &later, EXTERNAL_ID)
                .unwrap(),
        )
        .await
        .expect("4092500", "Conflict");
    // The same id on another endpoint is another request too.
    let debit = fixture("examples/001-qoinhub-debit-notify-request.json");
    server
        .send(
            pjp()
                .notification(DEBIT_PATH, Some(&token), debit, &later, EXTERNAL_ID)
                .unwrap(),
        )
        .await
        .expect("4095600", "Conflict");
    assert_eq!(server.calls(), 1);

    // The next Jakarta day the id is free again (00:00 WIB = 17:00 UTC).
    server
        .clock
        .set(time::macros::datetime!(2024-08-23 17:00:01 UTC));
    let tomorrow = snap_http::testing::timestamp_at(snap_crypto::Clock::now(&*server.clock));
    let token = server.token().await;
    server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), va_body(), &tomorrow, EXTERNAL_ID)
                .unwrap(),
        )
        .await
        .expect("2002500", "Successful");
    assert_eq!(server.calls(), 2);
    server.shutdown().await;
}

#[tokio::test]
async fn reject_policy_answers_conflict_to_identical_retries() {
    let server = TestServer::start_with(|b| b.duplicate_policy(DuplicatePolicy::Reject)).await;
    let token = server.token().await;
    let send = || {
        pjp()
            .notification(VA_PATH, Some(&token), va_body(), &ts(), "1")
            .unwrap()
    };
    server.send(send()).await.expect("2002500", "Successful");
    server.send(send()).await.expect("4092500", "Conflict");
    assert_eq!(server.calls(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn same_external_id_from_many_tasks_runs_the_handler_once() {
    let server = Arc::new(TestServer::start().await);
    let token = server.token().await;
    // `slow` makes the handler take 300 ms, so the duplicates arrive while it runs.
    let body = String::from_utf8(va_body())
        .unwrap()
        .replace("\"trxId\": \"abcdefgh0017\"", "\"trxId\": \"slow\"");
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let server = Arc::clone(&server);
            let request = pjp()
                .notification(VA_PATH, Some(&token), body.clone(), &ts(), EXTERNAL_ID)
                .unwrap();
            tokio::spawn(async move { server.send(request).await })
        })
        .collect();
    let mut bodies = Vec::new();
    for task in tasks {
        let reply = task.await.unwrap();
        reply.expect("2002500", "Successful");
        bodies.push(reply.body);
    }
    assert_eq!(server.calls(), 1);
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
}

#[tokio::test]
async fn concurrent_distinct_notifications_are_all_handled() {
    let server = Arc::new(TestServer::start().await);
    let token = server.token().await;
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let server = Arc::clone(&server);
            let request = pjp()
                .notification(VA_PATH, Some(&token), va_body(), &ts(), &format!("{i}"))
                .unwrap();
            tokio::spawn(async move { server.send(request).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("2002500", "Successful");
    }
    assert_eq!(server.calls(), 64);
}

#[tokio::test]
async fn concurrent_duplicates_with_reject_policy_conflict() {
    let server =
        Arc::new(TestServer::start_with(|b| b.duplicate_policy(DuplicatePolicy::Reject)).await);
    let token = server.token().await;
    let body = String::from_utf8(va_body())
        .unwrap()
        .replace("\"trxId\": \"abcdefgh0017\"", "\"trxId\": \"slow\"");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let server = Arc::clone(&server);
            let request = pjp()
                .notification(VA_PATH, Some(&token), body.clone(), &ts(), "7")
                .unwrap();
            tokio::spawn(async move { server.send(request).await })
        })
        .collect();
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(task.await.unwrap().code());
    }
    codes.sort();
    assert_eq!(
        codes.iter().filter(|c| *c == "2002500").count(),
        1,
        "{codes:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| *c == "4092500").count(),
        7,
        "{codes:?}"
    );
    assert_eq!(server.calls(), 1);
}

#[tokio::test]
async fn a_panicking_handler_is_answered_500_and_its_claim_released() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let body = String::from_utf8(va_body())
        .unwrap()
        .replace("\"trxId\": \"abcdefgh0017\"", "\"trxId\": \"panic\"");
    for _ in 0..2 {
        server
            .send(
                pjp()
                    .notification(VA_PATH, Some(&token), body.clone(), &ts(), EXTERNAL_ID)
                    .unwrap(),
            )
            .await
            .expect("5002500", "General Error");
    }
    // Released after the panic, so the retry ran the handler again; the server still serves.
    assert_eq!(server.calls(), 2);
    server.token().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_client_hanging_up_does_not_abandon_the_handler() {
    use http_body_util::BodyExt as _;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    let calls = Arc::new(AtomicUsize::new(0));
    let clock = Arc::new(snap_crypto::FixedClock::new(NOW));
    let server = default_builder(Arc::clone(&calls), clock).build().unwrap();
    let token = server
        .handle(
            pjp()
                .token_request(TOKEN_PATH, &ts())
                .unwrap()
                .into_request()
                .unwrap(),
        )
        .await
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes();
    let token: serde_json::Value = serde_json::from_slice(&token).unwrap();
    let token = token["accessToken"].as_str().unwrap();
    // `slow` takes 300 ms; the caller gives up after 50 ms (what hyper does when the client
    // disconnects: it drops the response future).
    let body = String::from_utf8(va_body())
        .unwrap()
        .replace("\"trxId\": \"abcdefgh0017\"", "\"trxId\": \"slow\"");
    let request = || {
        pjp()
            .notification(VA_PATH, Some(token), body.clone(), &ts(), EXTERNAL_ID)
            .unwrap()
            .into_request()
            .unwrap()
    };
    let gave_up = tokio::time::timeout(Duration::from_millis(50), server.handle(request())).await;
    assert!(gave_up.is_err());
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The handler finished on its own and its answer was stored: the retry gets it, no second call.
    let retry = server.handle(request()).await;
    assert_eq!(retry.status(), 200);
    let retry = retry.into_body().collect().await.unwrap().to_bytes();
    let retry: serde_json::Value = serde_json::from_slice(&retry).unwrap();
    assert_eq!(retry["responseCode"], "2002500");
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
}
