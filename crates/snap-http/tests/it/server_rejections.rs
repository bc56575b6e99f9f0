//! Every refusal of the issue, with its exact code and message, on a loopback server.

use std::time::Duration;

use snap_http::testing::{TestPartner, timestamp_at};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::server_support::*;

fn va(token: &str, external_id: &str) -> snap_http::testing::SignedRequest {
    pjp()
        .notification(VA_PATH, Some(token), va_body(), &ts(), external_id)
        .unwrap()
}

#[tokio::test]
async fn missing_and_malformed_headers() {
    let server = TestServer::start().await;
    let token = server.token().await;
    for (header, spelled) in [
        ("x-timestamp", "X-TIMESTAMP"),
        ("x-signature", "X-SIGNATURE"),
        ("x-partner-id", "X-PARTNER-ID"),
        ("x-external-id", "X-EXTERNAL-ID"),
        ("channel-id", "CHANNEL-ID"),
    ] {
        let mut request = va(&token, "1");
        request.headers.remove(header);
        let reply = server.send(request).await;
        reply.expect("4002502", &format!("Invalid Mandatory Field {spelled}"));
    }
    // Timestamp not RFC 3339.
    let request = pjp()
        .notification(VA_PATH, Some(&token), va_body(), "2024-08-23 07:45:00", "1")
        .unwrap();
    server
        .send(request)
        .await
        .expect("4002501", "Invalid Field Format X-TIMESTAMP");
    // Over-long ids.
    let request = pjp()
        .notification(VA_PATH, Some(&token), va_body(), &ts(), &"9".repeat(37))
        .unwrap();
    server
        .send(request)
        .await
        .expect("4002501", "Invalid Field Format X-EXTERNAL-ID");
    let mut request = va(&token, "1");
    request
        .set(snap_http::headers::CHANNEL_ID, "952211")
        .unwrap();
    server
        .send(request)
        .await
        .expect("4002501", "Invalid Field Format CHANNEL-ID");
    // The token request's own headers, service 73.
    for (header, spelled) in [
        ("x-timestamp", "X-TIMESTAMP"),
        ("x-client-key", "X-CLIENT-KEY"),
        ("x-signature", "X-SIGNATURE"),
    ] {
        let mut request = pjp().token_request(TOKEN_PATH, &ts()).unwrap();
        request.headers.remove(header);
        server
            .send(request)
            .await
            .expect("4007302", &format!("Invalid Mandatory Field {spelled}"));
    }
    assert_eq!(server.calls(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn body_not_json_and_field_errors() {
    let server = TestServer::start().await;
    let token = server.token().await;
    let mut request = va(&token, "1");
    request.body = bytes::Bytes::from_static(b"{\"paidAmount\": ");
    server.send(request).await.expect("4002500", "Bad Request");

    let body = String::from_utf8(va_body()).unwrap();
    let without_amount = {
        let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v.as_object_mut().unwrap().remove("paidAmount");
        serde_json::to_string(&v).unwrap()
    };
    let reply = server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), without_amount, &ts(), "2")
                .unwrap(),
        )
        .await;
    reply.expect("4002502", "Invalid Mandatory Field paidAmount");
    let bad_amount = body.replace("12346678.00", "12,346,678");
    let reply = server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), bad_amount, &ts(), "3")
                .unwrap(),
        )
        .await;
    reply.expect("4002501", "Invalid Field Format paidAmount.value");

    let mut request = pjp().token_request(TOKEN_PATH, &ts()).unwrap();
    request.body = bytes::Bytes::from_static(br#"{"grantType":"password"}"#);
    server
        .send(request)
        .await
        .expect("4007301", "Invalid Field Format grantType");
    // Validation failures are not remembered: the same id with a valid body is handled.
    server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), va_body(), &ts(), "3")
                .unwrap(),
        )
        .await
        .expect("2002500", "Successful");
    assert_eq!(server.calls(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn a_json_array_is_no_notification_even_where_every_field_is_optional() {
    let server = TestServer::start().await;
    let token = server.token().await;
    // Every field of the QR MPM notify is optional, and serde's derived structs read `[]` as
    // such a struct; found by the `service` fuzz target (fuzz/regressions/service).
    for (id, body) in [("1", &b"[]"[..]), ("2", &b"\r\n [ ] \r\n"[..])] {
        let request = pjp()
            .notification(QR_PATH, Some(&token), body, &ts(), id)
            .unwrap();
        server.send(request).await.expect("4005200", "Bad Request");
    }
    assert_eq!(server.calls(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn body_not_utf8_is_refused_before_any_handler() {
    let server = TestServer::start().await;
    let token = server.token().await;
    // A bad byte inside a value no DTO field reads, correctly signed: JSON must be UTF-8.
    let body = String::from_utf8(va_body())
        .unwrap()
        .replacen('{', "{\"note\":\"caf\u{1}\",", 1)
        .into_bytes();
    let body: Vec<u8> = body
        .into_iter()
        .map(|b| if b == 1 { 0xff } else { b })
        .collect();
    let request = pjp()
        .notification(VA_PATH, Some(&token), body.clone(), &ts(), "1")
        .unwrap();
    server.send(request).await.expect("4002500", "Bad Request");
    // The token endpoint refuses it too.
    let mut request = pjp().token_request(TOKEN_PATH, &ts()).unwrap();
    request.body =
        bytes::Bytes::from_static(b"{\"grantType\":\"client_credentials\",\"x\":\"\xff\"}");
    server.send(request).await.expect("4007300", "Bad Request");
    assert_eq!(server.calls(), 0);
    // Nothing was claimed: the same id with a valid body is handled.
    server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), va_body(), &ts(), "1")
                .unwrap(),
        )
        .await
        .expect("2002500", "Successful");
    assert_eq!(server.calls(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn unauthorized_cases() {
    let server = TestServer::start_with(|b| b.partner(partner("other"))).await;
    let token = server.token().await;

    // Unknown client on the token request and unknown partner on a notification.
    let stranger = TestPartner::new("Nobody")
        .with_private_key(private_key())
        .with_client_secret(snap_crypto::ClientSecret::new(SECRET));
    server
        .send(stranger.token_request(TOKEN_PATH, &ts()).unwrap())
        .await
        .expect("4017300", "Unauthorized. [Unknown client]");
    server
        .send(
            stranger
                .notification(VA_PATH, Some(&token), va_body(), &ts(), "1")
                .unwrap(),
        )
        .await
        .expect("4012500", "Unauthorized. [Unknown client]");

    // Bad signatures: a changed body byte (still JSON), a wrong secret, a wrong RSA key.
    let mut request = va(&token, "2");
    let text = String::from_utf8(request.body.to_vec())
        .unwrap()
        .replace("Jokul", "Jokol");
    request.body = text.into();
    server
        .send(request)
        .await
        .expect("4012500", "Unauthorized. [Signature]");
    let wrong_secret = pjp().with_client_secret(snap_crypto::ClientSecret::new("guess"));
    server
        .send(
            wrong_secret
                .notification(VA_PATH, Some(&token), va_body(), &ts(), "3")
                .unwrap(),
        )
        .await
        .expect("4012500", "Unauthorized. [Signature]");
    let mut request = pjp().token_request(TOKEN_PATH, &ts()).unwrap();
    request
        .set(snap_http::headers::X_SIGNATURE, "bm90IGEgc2lnbmF0dXJl")
        .unwrap();
    server
        .send(request)
        .await
        .expect("4017300", "Unauthorized. [Signature]");
    let mut request = pjp().token_request(TOKEN_PATH, &ts()).unwrap();
    request
        .set(snap_http::headers::X_SIGNATURE, "%%% not base64")
        .unwrap();
    server
        .send(request)
        .await
        .expect("4017300", "Unauthorized. [Signature]");

    // Timestamp outside the ±5 minute window (either way), on both endpoints.
    for minutes in [-6, 6] {
        let off = timestamp_at(NOW + time::Duration::minutes(minutes));
        server
            .send(
                pjp()
                    .notification(VA_PATH, Some(&token), va_body(), &off, "4")
                    .unwrap(),
            )
            .await
            .expect("4012500", "Unauthorized. [Timestamp]");
        server
            .send(pjp().token_request(TOKEN_PATH, &off).unwrap())
            .await
            .expect("4017300", "Unauthorized. [Timestamp]");
    }
    let edge = timestamp_at(NOW - time::Duration::minutes(5));
    server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), va_body(), &edge, "5")
                .unwrap(),
        )
        .await
        .expect("2002500", "Successful");

    // No token, a forged one, another scheme.
    let mut request = va(&token, "6");
    request.headers.remove("authorization");
    server
        .send(request)
        .await
        .expect("4012503", "Token Not Found (B2B)");
    let forged = format!("{}x", &token[..token.len() - 1]);
    server
        .send(
            pjp()
                .notification(VA_PATH, Some(&forged), va_body(), &ts(), "7")
                .unwrap(),
        )
        .await
        .expect("4012501", "Invalid Token (B2B)");
    let mut request = va(&token, "8");
    request
        .set(http::header::AUTHORIZATION, &format!("Basic {token}"))
        .unwrap();
    server
        .send(request)
        .await
        .expect("4012501", "Invalid Token (B2B)");

    // A token of another client with QoinSnap's X-PARTNER-ID.
    let other = TestPartner::new("other")
        .with_private_key(private_key())
        .with_client_secret(snap_crypto::ClientSecret::new(SECRET));
    let other_token = server.token_for(&other).await;
    server
        .send(
            pjp()
                .notification(VA_PATH, Some(&other_token), va_body(), &ts(), "9")
                .unwrap(),
        )
        .await
        .expect("4012500", "Unauthorized. [Partner mismatch]");

    // A channel the partner may not use.
    let elsewhere = pjp().with_channel_id(Some("11111"));
    server
        .send(
            elsewhere
                .notification(VA_PATH, Some(&token), va_body(), &ts(), "10")
                .unwrap(),
        )
        .await
        .expect("4012500", "Unauthorized. [Channel]");
    assert_eq!(server.calls(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn expired_token() {
    let server = TestServer::start().await;
    let token = server.token().await;
    server.clock.advance(time::Duration::seconds(899));
    let now = timestamp_at(snap_crypto::Clock::now(&*server.clock));
    server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), va_body(), &now, "1")
                .unwrap(),
        )
        .await
        .expect("2002500", "Successful");
    server.clock.advance(time::Duration::seconds(1));
    let now = timestamp_at(snap_crypto::Clock::now(&*server.clock));
    server
        .send(
            pjp()
                .notification(VA_PATH, Some(&token), va_body(), &now, "2")
                .unwrap(),
        )
        .await
        .expect("4012501", "Invalid Token (B2B)");
    server.shutdown().await;
}

#[tokio::test]
async fn routing() {
    let server = TestServer::start().await;
    let mut request = va("t", "1");
    request.method = http::Method::GET;
    server
        .send(request)
        .await
        .expect("4052500", "Requested Function Is Not Supported");
    let mut request = va("t", "1");
    request.path = "/api/v1.0/nothing-here".into();
    server
        .send(request)
        .await
        .expect("4040002", "Invalid Routing");
    let mut request = va("t", "1");
    request.path = "/v1.0/transfer-va/payment".into();
    server
        .send(request)
        .await
        .expect("4040002", "Invalid Routing");
    server.shutdown().await;
}

/// Sends raw bytes (the body parts with a pause between them, from another task) and reads the
/// answer until the server closes the connection.
async fn raw(addr: &str, head: &str, body_parts: &[&[u8]], pause: Duration) -> String {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let mut parts = vec![head.as_bytes().to_vec()];
    parts.extend(body_parts.iter().map(|p| p.to_vec()));
    let writing = tokio::spawn(async move {
        for part in parts {
            // The server may already have answered and closed: later writes may fail.
            if writer.write_all(&part).await.is_err() {
                return;
            }
            tokio::time::sleep(pause).await;
        }
        // Keep the write side open, like a client that is still "sending".
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut out)).await;
    writing.abort();
    String::from_utf8_lossy(&out).into_owned()
}

fn head(request: &snap_http::testing::SignedRequest, extra: &str) -> String {
    let mut text = format!(
        "{} {} HTTP/1.1\r\nhost: x\r\n",
        request.method, request.path
    );
    for (name, value) in &request.headers {
        // Spelled as the wild does: `X-Timestamp`, `Channel-Id`.
        let name: String = name
            .as_str()
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("-");
        text.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    text.push_str(extra);
    text.push_str("\r\n");
    text
}

#[tokio::test]
async fn oversized_and_slow_bodies() {
    let server =
        TestServer::start_with(|b| b.body_limit(1024).body_timeout(Duration::from_millis(300)))
            .await;
    let token = server.token().await;
    let request = va(&token, "1");

    // Mixed-case header names over a raw socket are accepted.
    let ok = raw(
        server.addr(),
        &head(
            &request,
            &format!(
                "Content-Length: {}\r\nConnection: close\r\n",
                request.body.len()
            ),
        ),
        &[&request.body],
        Duration::ZERO,
    )
    .await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("\"responseCode\":\"2002500\""));

    // Declared too large: refused before any body byte is sent.
    let reply = raw(
        server.addr(),
        &head(&request, "Content-Length: 1000000\r\n"),
        &[],
        Duration::ZERO,
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(
        reply.contains(r#"{"responseCode":"4002500","responseMessage":"Bad Request"}"#),
        "{reply}"
    );

    // Chunked and endless: cut off once past the limit.
    let chunk = format!("200\r\n{}\r\n", " ".repeat(0x200));
    let chunks: Vec<&[u8]> = std::iter::repeat_n(chunk.as_bytes(), 40).collect();
    let reply = raw(
        server.addr(),
        &head(&request, "Transfer-Encoding: chunked\r\n"),
        &chunks,
        Duration::from_millis(5),
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(reply.contains("\"4002500\""), "{reply}");

    // Slow: half the body, then silence past the deadline.
    let started = std::time::Instant::now();
    let reply = raw(
        server.addr(),
        &head(
            &request,
            &format!("Content-Length: {}\r\n", request.body.len()),
        ),
        &[&request.body[..10]],
        Duration::ZERO,
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(
        reply.contains(r#""responseMessage":"Bad Request""#),
        "{reply}"
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(250) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    server.shutdown().await;
}
