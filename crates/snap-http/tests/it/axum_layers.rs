//! The server's pieces in a user's axum app: the whole server nested under a prefix, and the
//! verification layer in front of a handler of the user's own.

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::routing::{get, post};
use snap_crypto::FixedClock;
use snap_http::Verified;
use snap_types::ServiceCode;

use crate::server_support::*;

const STATUS_PATH: &str = "/api/v1.0/transfer-va/status";

#[tokio::test]
async fn nested_server_and_verification_in_front_of_an_own_handler() {
    let clock = Arc::new(FixedClock::new(NOW));
    let calls = Arc::new(AtomicUsize::new(0));
    // axum's nest strips `/api` from what the server routes; the provider signed it, and the
    // `axum` feature checks signatures over axum's `OriginalUri`.
    let snap = default_builder(calls.clone(), clock.clone())
        .prefix("")
        .build()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let record = Arc::clone(&seen);
    let status = move |Extension(verified): Extension<Verified>, body: String| async move {
        let partner = verified.received().partner_id().to_string();
        record.lock().unwrap().push(format!("{partner} {body}"));
        axum::Json(serde_json::json!({"responseCode": "2002600", "responseMessage": "Successful"}))
    };
    let app = axum::Router::new()
        .route(STATUS_PATH, post(status))
        .route_layer(snap.verify_layer(ServiceCode::TRANSFER_VA_STATUS))
        .route("/health", get(|| async { "ok" }))
        .nest_service("/api", snap.clone());
    let server = TestServer::serve(app, clock, calls).await;

    let token = server.token().await;
    server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), va_body(), &ts(), EXTERNAL_ID)
                .unwrap(),
        )
        .await
        .expect("2002500", "Successful");
    assert_eq!(server.calls(), 1);

    let inquiry = pjp()
        .notification(STATUS_PATH, Some(&token), &b"{ }"[..], &ts(), "7")
        .unwrap();
    let reply = server.send(inquiry).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["responseCode"], "2002600");
    assert_eq!(*seen.lock().unwrap(), ["QoinSnap { }"]);

    // A request whose signature does not cover its body never reaches the handler.
    let mut forged = pjp()
        .notification(STATUS_PATH, Some(&token), &b"{}"[..], &ts(), "8")
        .unwrap();
    forged.body = bytes::Bytes::from_static(br#"{"a":1}"#);
    server
        .send(forged)
        .await
        .expect("4012600", "Unauthorized. [Signature]");
    assert_eq!(seen.lock().unwrap().len(), 1);
    server.shutdown().await;
}
