//! The seed flows end to end on a loopback server.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use snap_crypto::FixedClock;
use snap_http::testing::TestPartner;
use snap_http::{Partner, SignatureMode, SnapServer};

use crate::server_support::*;

#[tokio::test]
async fn seed_000_token_then_va_payment() {
    let server = TestServer::start().await;
    let reply = server
        .send(pjp().token_request(TOKEN_PATH, &ts()).unwrap())
        .await;
    reply.expect("2007300", "Successful");
    assert_eq!(reply.headers["x-timestamp"], "2024-08-23T07:45:00+07:00");
    let text = std::str::from_utf8(&reply.body).unwrap();
    assert!(
        text.starts_with(
            r#"{"responseCode":"2007300","responseMessage":"Successful","accessToken":"eyJ"#
        ),
        "{text}"
    );
    let json = reply.json();
    assert_eq!(json["tokenType"], "Bearer");
    assert_eq!(json["expiresIn"], "900");
    assert_eq!(json["additionalInfo"], serde_json::json!({}));
    let token = json["accessToken"].as_str().unwrap();

    let request = pjp()
        .notification(VA_PATH, Some(token), va_body(), &ts(), EXTERNAL_ID)
        .unwrap();
    let reply = server.send(request).await;
    reply.expect("2002500", "Successful");
    assert_eq!(
        std::str::from_utf8(&reply.body).unwrap(),
        r#"{"responseCode":"2002500","responseMessage":"Successful","virtualAccountData":{"partnerServiceId":" 088899","customerNo":"","virtualAccountNo":"7509240700664378","trxDateTime":"2024-08-23T07:44:11+07:00","trxId":"abcdefgh0017"}}"#
    );
    assert_eq!(server.calls(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn seed_001_debit_notify_and_seed_003_qr_notify() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let body = fixture("examples/001-qoinhub-debit-notify-request.json");
    let reply = server
        .send(
            pjp()
                .notification(DEBIT_PATH, Some(&token), body, &ts(), "1")
                .unwrap(),
        )
        .await;
    reply.expect("2005600", "Successful");
    let body = fixture("examples/003-finpay-qr-mpm-notify-request.json");
    let reply = server
        .send(
            pjp()
                .notification(QR_PATH, Some(&token), body, &ts(), "2")
                .unwrap(),
        )
        .await;
    reply.expect("2005200", "Successful");
    assert_eq!(server.calls(), 2);
    server.shutdown().await;
}

#[tokio::test]
async fn pretty_body_signed_minified_and_mixed_case_headers() {
    // The body as received is pretty; the signature covers its minified form (what sign_* hashes).
    let server = TestServer::start().await;
    let token = server.token().await;
    let mut request = pjp()
        .notification(VA_PATH, Some(&token), va_body(), &ts(), "77")
        .unwrap();
    assert!(request.body.contains(&b'\n'));
    // http normalises names; what matters is that a differently cased name is the same header.
    let value = request.headers.remove("x-timestamp").unwrap();
    request
        .headers
        .insert(http::HeaderName::from_bytes(b"X-Timestamp").unwrap(), value);
    server.send(request).await.expect("2002500", "Successful");
    server.shutdown().await;
}

#[tokio::test]
async fn business_outcomes_and_handler_errors() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let body = String::from_utf8(va_body()).unwrap();

    let cheap = body.replace("12346678.00", "1.00");
    let reply = server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), cheap.clone(), &ts(), "10")
                .unwrap(),
        )
        .await;
    reply.expect("4042513", "Invalid Amount");
    // A business answer is final: the identical retry gets it again without a handler call.
    let again = server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), cheap, &ts(), "10")
                .unwrap(),
        )
        .await;
    assert_eq!(again.body, reply.body);
    assert_eq!(server.calls(), 1);

    let paid = body.replace("\"trxId\": \"abcdefgh0017\"", "\"trxId\": \"paid\"");
    assert!(paid.contains("\"paid\""));
    server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), paid, &ts(), "11")
                .unwrap(),
        )
        .await
        .expect("4042514", "Paid Bill");

    // A handler error is 500xx00 and is not remembered: the retry runs the handler again.
    let failing = body.replace("\"trxId\": \"abcdefgh0017\"", "\"trxId\": \"fail\"");
    for _ in 0..2 {
        server
            .send(
                pjp()
                    .notification(VA_PATH, Some(&token), failing.clone(), &ts(), "12")
                    .unwrap(),
            )
            .await
            .expect("5002500", "General Error");
    }
    assert_eq!(server.calls(), 4);
    server.shutdown().await;
}

#[tokio::test]
async fn asymmetric_partner_needs_no_token() {
    let server = TestServer::start_with(|b| {
        b.partner(
            Partner::new("DanaLike")
                .unwrap()
                .with_public_key(public_key())
                .with_mode(SignatureMode::Asymmetric),
        )
    })
    .await;
    let dana = TestPartner::new("DanaLike").with_private_key(private_key());
    let reply = server
        .send(
            dana.notification(VA_PATH, None, va_body(), &ts(), "abc-1")
                .unwrap(),
        )
        .await;
    reply.expect("2002500", "Successful");
    // A symmetric signature does not pass for an asymmetric partner.
    let wrong = dana
        .clone()
        .with_client_secret(snap_crypto::ClientSecret::new(SECRET));
    let mut request = wrong
        .notification(VA_PATH, Some("x"), va_body(), &ts(), "abc-2")
        .unwrap();
    request.headers.remove("authorization");
    server
        .send(request)
        .await
        .expect("4012500", "Unauthorized. [Signature]");
    server.shutdown().await;
}

#[tokio::test]
async fn distinct_partner_id_and_tokens_shared_between_instances() {
    let clock = Arc::new(FixedClock::new(NOW));
    let calls = Arc::new(AtomicUsize::new(0));
    let build = || {
        default_builder(calls.clone(), clock.clone())
            .partner(partner("client-b").with_partner_id("partner-b").unwrap())
            .build()
            .unwrap()
    };
    let one = TestServer::serve(build(), clock.clone(), calls.clone()).await;
    let two = TestServer::serve(build(), clock.clone(), calls.clone()).await;
    let b = TestPartner::new("client-b")
        .with_partner_id("partner-b")
        .with_private_key(private_key())
        .with_client_secret(snap_crypto::ClientSecret::new(SECRET));
    let token = one.token_for(&b).await;
    // Instance two never saw the token: the shared key is enough.
    two.send(
        b.notification(VA_PATH, Some(&token), va_body(), &ts(), "5")
            .unwrap(),
    )
    .await
    .expect("2002500", "Successful");
    one.shutdown().await;
    two.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_requests() {
    let mut server = TestServer::start().await;
    let token = server.token().await;
    let slow = String::from_utf8(va_body())
        .unwrap()
        .replace("\"trxId\": \"abcdefgh0017\"", "\"trxId\": \"slow\"");
    let request = pjp()
        .notification(VA_PATH, Some(&token), slow, &ts(), "99")
        .unwrap()
        .into_request_to(&server.base)
        .unwrap();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let in_flight = tokio::spawn(async move { client.request(request).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let addr = server.addr().to_owned();
    let stopped = server.trigger_shutdown();
    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), 200);
    stopped.await.unwrap().unwrap();
    // No longer accepting.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn service_works_without_a_network() {
    // The same service answers through tower directly (what axum does).
    use tower::ServiceExt as _;
    let clock = Arc::new(FixedClock::new(NOW));
    let server: SnapServer = default_builder(Arc::new(AtomicUsize::new(0)), clock)
        .build()
        .unwrap();
    let request = pjp()
        .token_request(TOKEN_PATH, &ts())
        .unwrap()
        .into_request()
        .unwrap();
    let response = server.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
}
