//! The client against scripted answers: 5xx, HTML, slowness, `401xx01`, invented codes, bad QRIS.

use std::time::Duration;

use snap_http::{CallOptions, ClientError, ProviderProfile, SnapClient};
use snap_types::{Case, QrMpmGenerateRequest, QrMpmQueryRequest, ResponseCode, ServiceCode};

use crate::client_support::{CHANNEL, CLIENT_ID, Reply, Scripted, config, with_tokens};

fn query() -> QrMpmQueryRequest {
    QrMpmQueryRequest {
        original_reference_no: Some("weoOiX7RIjSBA31QGcUxrJLyaKFH0z5T".into()),
        ..Default::default()
    }
}

async fn finpay(server: &Scripted) -> SnapClient {
    SnapClient::new(config(&server.base, ProviderProfile::finpay())).unwrap()
}

#[tokio::test]
async fn signs_every_header_and_the_exact_bytes() {
    let server = Scripted::start(with_tokens(|_, _| {
        Reply::json(
            200,
            r#"{"responseCode":"2005100","responseMessage":"Successful","transactionStatus":"00"}"#,
        )
    }))
    .await;
    let client = SnapClient::new(
        config(&server.base, ProviderProfile::finpay())
            .with_origin("www.example.com")
            .unwrap(),
    )
    .unwrap();
    let status = client.query_qr(&query()).await.unwrap();
    assert_eq!(status.response_code.to_string(), "2005100");

    let token = &server.recorded()[0];
    assert_eq!(token.path, "/snap/oauth/v1.0/access-token/b2b");
    assert_eq!(token.header("x-client-key"), CLIENT_ID);
    assert_eq!(
        &token.body[..],
        br#"{"grantType":"client_credentials","additionalInfo":{}}"#
    );
    snap_crypto::verify_auth(
        &snap_crypto::AuthRequest::new(CLIENT_ID).with_timestamp(token.header("x-timestamp")),
        token.header("x-signature"),
        &crate::client_support::public_key(),
    )
    .unwrap();

    let call = &server.service_requests()[0];
    assert_eq!(call.path, "/pg/payment/card/v1.0/qr/qr-mpm-query");
    assert_eq!(call.header("content-type"), "application/json");
    assert_eq!(call.header("authorization"), "Bearer token-0");
    assert_eq!(call.header("x-partner-id"), CLIENT_ID);
    assert_eq!(call.header("channel-id"), CHANNEL);
    assert_eq!(call.header("origin"), "www.example.com");
    let external_id = call.header("x-external-id");
    assert_eq!(external_id.len(), 32);
    assert!(external_id.bytes().all(|b| b.is_ascii_digit()));
    assert!(snap_crypto::parse_timestamp(call.header("x-timestamp")).is_ok());
    assert!(call.header("x-timestamp").ends_with("+07:00"));
    call.verify_symmetric();
}

#[tokio::test]
async fn raw_bodies_are_sent_verbatim_and_external_id_is_kept() {
    let server = Scripted::start(with_tokens(|_, _| {
        Reply::json(
            200,
            r#"{"responseCode":"2005100","responseMessage":"Successful"}"#,
        )
    }))
    .await;
    let client = finpay(&server).await;
    let pretty = bytes::Bytes::from_static(b"{\n  \"partnerReferenceNo\": \"INV 1\"\n}");
    let options = CallOptions::new().with_external_id("12345678901234567890".parse().unwrap());
    let reply = client
        .call_raw(ServiceCode::QR_MPM_QUERY, pretty.clone(), &options)
        .await
        .unwrap();
    assert!(reply.is_success());
    assert_eq!(
        reply.external_id().unwrap().as_str(),
        "12345678901234567890"
    );
    let call = &server.service_requests()[0];
    assert_eq!(call.body, pretty);
    assert_eq!(call.header("x-external-id"), "12345678901234567890");
    call.verify_symmetric();
}

#[tokio::test]
async fn server_error_with_snap_body_is_a_rejection() {
    let server = Scripted::start(with_tokens(|_, _| {
        Reply::json(
            500,
            r#"{"responseCode":"5005100","responseMessage":"General Error"}"#,
        )
    }))
    .await;
    let err = finpay(&server).await.query_qr(&query()).await.unwrap_err();
    match err {
        ClientError::Rejected {
            code,
            message,
            http_status,
        } => {
            assert_eq!(code.to_string(), "5005100");
            assert_eq!(message, "General Error");
            assert_eq!(http_status, 500);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.service_requests().len(), 1, "a 5xx is never retried");
}

#[tokio::test]
async fn html_gateway_error_is_malformed() {
    let server = Scripted::start(with_tokens(|_, _| {
        Reply::json(502, "<html>Bad Gateway</html>")
    }))
    .await;
    let err = finpay(&server).await.query_qr(&query()).await.unwrap_err();
    assert!(
        matches!(&err, ClientError::MalformedResponse { http_status: 502, reason } if reason.contains("Bad Gateway")),
        "{err:?}"
    );
    assert_eq!(server.service_requests().len(), 1);
}

#[tokio::test]
async fn non_json_success_is_malformed() {
    let server = Scripted::start(with_tokens(|_, _| Reply::json(200, "OK"))).await;
    let err = finpay(&server).await.query_qr(&query()).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::MalformedResponse {
                http_status: 200,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn success_code_under_error_status_is_malformed() {
    let server = Scripted::start(with_tokens(|_, _| {
        Reply::json(
            500,
            r#"{"responseCode":"2005100","responseMessage":"Successful"}"#,
        )
    }))
    .await;
    let err = finpay(&server).await.query_qr(&query()).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::MalformedResponse {
                http_status: 500,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn wrong_field_type_in_success_is_malformed() {
    let server = Scripted::start(with_tokens(|_, _| {
        Reply::json(
            200,
            r#"{"responseCode":"2005100","responseMessage":"Successful","referenceNo":7}"#,
        )
    }))
    .await;
    let err = finpay(&server).await.query_qr(&query()).await.unwrap_err();
    assert!(
        matches!(&err, ClientError::MalformedResponse { reason, .. } if reason.contains("referenceNo")),
        "{err:?}"
    );
}

#[tokio::test]
async fn slow_answer_times_out_without_retry() {
    let server = Scripted::start(with_tokens(|_, _| Reply {
        delay: Duration::from_secs(5),
        ..Reply::json(
            200,
            r#"{"responseCode":"2005100","responseMessage":"Successful"}"#,
        )
    }))
    .await;
    let config = config(&server.base, ProviderProfile::finpay())
        .with_request_timeout(Duration::from_millis(300));
    let client = SnapClient::new(config).unwrap();
    let started = std::time::Instant::now();
    let err = client.query_qr(&query()).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Timeout(d) if d == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(server.service_requests().len(), 1);
}

#[tokio::test]
async fn invalid_token_once_refreshes_and_resends_once() {
    let server = Scripted::start(with_tokens(|_, n| {
        if n == 0 {
            Reply::json(
                401,
                r#"{"responseCode":"4015101","responseMessage":"Invalid Token (B2B)"}"#,
            )
        } else {
            Reply::json(
                200,
                r#"{"responseCode":"2005100","responseMessage":"Successful"}"#,
            )
        }
    }))
    .await;
    let client = finpay(&server).await;
    client.query_qr(&query()).await.unwrap();
    let calls = server.service_requests();
    assert_eq!(calls.len(), 2);
    assert_eq!(server.token_requests(), 2);
    assert_eq!(calls[0].header("authorization"), "Bearer token-0");
    assert_eq!(calls[1].header("authorization"), "Bearer token-1");
    assert_eq!(
        calls[0].header("x-external-id"),
        calls[1].header("x-external-id")
    );
    calls[1].verify_symmetric();
    // The new token is cached.
    client.query_qr(&query()).await.unwrap();
    assert_eq!(server.token_requests(), 2);
}

#[tokio::test]
async fn invalid_token_twice_is_rejected_after_one_retry() {
    let server = Scripted::start(with_tokens(|_, _| {
        Reply::json(
            401,
            r#"{"responseCode":"4015101","responseMessage":"Invalid Token (B2B)"}"#,
        )
    }))
    .await;
    let err = finpay(&server).await.query_qr(&query()).await.unwrap_err();
    assert_eq!(
        err.response_code().and_then(ResponseCode::case),
        Some(Case::InvalidTokenB2b)
    );
    assert_eq!(server.service_requests().len(), 2);
    assert_eq!(server.token_requests(), 2);
}

#[tokio::test]
async fn other_401_is_not_retried() {
    let server = Scripted::start(with_tokens(|_, _| {
        Reply::json(
            401,
            r#"{"responseCode":"4015100","responseMessage":"Unauthorized. [Signature]"}"#,
        )
    }))
    .await;
    let err = finpay(&server).await.query_qr(&query()).await.unwrap_err();
    assert!(err.is_rejection());
    assert_eq!(server.service_requests().len(), 1);
    assert_eq!(server.token_requests(), 1);
}

#[tokio::test]
async fn unknown_codes_survive() {
    let server = Scripted::start(with_tokens(|_, n| {
        if n == 0 {
            Reply::json(400, r#"{"responseCode":"4005199","responseMessage":"Something the standard never heard of"}"#)
        } else {
            Reply::json(200, r#"{"responseCode":"2005197","responseMessage":"Accepted in a new way"}"#)
        }
    }))
    .await;
    let client = finpay(&server).await;
    let err = client.query_qr(&query()).await.unwrap_err();
    let code = err.response_code().unwrap();
    assert_eq!(code.to_string(), "4005199");
    assert!(!code.is_standard());
    let ok = client.query_qr(&query()).await.unwrap();
    assert_eq!(ok.response_code.to_string(), "2005197");
}

#[tokio::test]
async fn token_rejection_is_reported_and_nothing_is_sent() {
    let server = Scripted::start(|_, _| {
        Reply::json(
            401,
            r#"{"responseCode":"4017300","responseMessage":"Unauthorized. [Signature]"}"#,
        )
    })
    .await;
    let err = finpay(&server).await.query_qr(&query()).await.unwrap_err();
    assert_eq!(err.response_code().unwrap().to_string(), "4017300");
    assert!(server.service_requests().is_empty());
}

#[tokio::test]
async fn token_without_access_token_is_malformed() {
    let server = Scripted::start(|_, _| {
        Reply::json(
            200,
            r#"{"responseCode":"2007300","responseMessage":"Successful"}"#,
        )
    })
    .await;
    let err = finpay(&server).await.access_token().await.unwrap_err();
    assert!(
        matches!(err, ClientError::MalformedResponse { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn connection_refused_is_transport() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = SnapClient::new(config(&base, ProviderProfile::finpay())).unwrap();
    let err = client.query_qr(&query()).await.unwrap_err();
    assert!(matches!(err, ClientError::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn generate_qr_checks_the_crc() {
    let good = "00020101021226580011id.qoin.www01189360084202020002110210Q2023002110303UME51370014ID.CO.QRIS.WWW0215ID0000202300211520458125303360540410005802ID5914Qoin Hub Store6007Jakarta61051321062200112QD00000005810700630459B2";
    let bad = good.replace("59B2", "59B3");
    let server = Scripted::start(with_tokens(move |_, n| {
        let qr = match n {
            0 => good.to_owned(),
            1 => bad.clone(),
            2 => "0002010102".to_owned(),
            _ => String::new(),
        };
        Reply::json(
            200,
            format!(
                r#"{{"responseCode":"2004700","responseMessage":"Successful","qrContent":"{qr}"}}"#
            ),
        )
    }))
    .await;
    let client = SnapClient::new(config(&server.base, ProviderProfile::qoinhub())).unwrap();
    let request = QrMpmGenerateRequest::default();
    let ok = client.generate_qr(&request).await.unwrap();
    assert!(ok.qr_content.unwrap().ends_with("59B2"));
    let err = client.generate_qr(&request).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::InvalidQris(snap_qris::Error::CrcMismatch { .. })
        ),
        "{err:?}"
    );
    let err = client.generate_qr(&request).await.unwrap_err();
    assert!(matches!(err, ClientError::InvalidQris(_)), "{err:?}");
    let err = client.generate_qr(&request).await.unwrap_err();
    assert!(
        matches!(err, ClientError::MalformedResponse { .. }),
        "{err:?}"
    );
    assert_eq!(
        server.service_requests()[0].path,
        "/ordersnap/api/v1.0/qr/qr-mpm-generate"
    );
}

#[tokio::test]
async fn base_url_path_is_part_of_the_signed_path() {
    let server = Scripted::start(with_tokens(|_, _| {
        Reply::json(
            200,
            r#"{"responseCode":"2005100","responseMessage":"Successful"}"#,
        )
    }))
    .await;
    let base = format!("{}/gateway/", server.base);
    let client = SnapClient::new(config(&base, ProviderProfile::finpay())).unwrap();
    client.query_qr(&query()).await.unwrap();
    assert_eq!(
        server.recorded()[0].path,
        "/gateway/snap/oauth/v1.0/access-token/b2b"
    );
    let call = &server.service_requests()[0];
    assert_eq!(call.path, "/gateway/pg/payment/card/v1.0/qr/qr-mpm-query");
    call.verify_symmetric();
}

#[tokio::test]
async fn configuration_errors() {
    let builder = || {
        snap_http::ClientConfig::builder()
            .base_url("http://127.0.0.1:1")
            .client_id(CLIENT_ID.parse().unwrap())
            .channel_id(CHANNEL.parse().unwrap())
            .private_key(crate::client_support::private_key())
            .profile(ProviderProfile::qoinhub())
    };
    let no_secret = builder().build().unwrap();
    let Err(ClientError::Config(e)) = SnapClient::new(no_secret) else {
        panic!("a symmetric profile needs a client secret");
    };
    assert_eq!(e.field(), snap_http::ConfigField::ClientSecret);
    let Err(ClientError::Config(e)) = builder().base_url("ftp://x").build() else {
        panic!("ftp is not a base URL");
    };
    assert_eq!(e.field(), snap_http::ConfigField::BaseUrl);
    // A CHANNEL-ID longer than 5 is refused when it is typed.
    assert!("123456".parse::<snap_types::ChannelId>().is_err());
    // Finpay's profile names no create-VA path.
    let client = SnapClient::new(config("http://127.0.0.1:1", ProviderProfile::finpay())).unwrap();
    let err = client
        .call_raw(
            ServiceCode::TRANSFER_VA_CREATE_VA,
            bytes::Bytes::from_static(b"{}"),
            &CallOptions::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Config(_)), "{err:?}");
}
