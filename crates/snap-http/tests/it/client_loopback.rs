//! The client against the real snap-http server on loopback: the server checks every auth and
//! service signature, issues and validates the tokens, and counts token requests.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::{Method, Request};
use hyper::body::Incoming;
use serde_json::json;
use snap_crypto::{ClientSecret, FixedClock};
use snap_http::{
    ClientConfig, ClientError, Fields, Outcome, Partner, ProviderProfile, SignatureMode,
    SnapClient, SnapServer, SnapServerBuilder,
};
use snap_types::{
    Case, CreateVaRequest, QrMpmGenerateRequest, QrMpmQueryRequest, QrMpmRefundRequest,
};
use time::macros::datetime;
use tokio::net::TcpListener;

use crate::client_support::{CHANNEL, CLIENT_ID, SECRET, config, example, private_key, public_key};

const QR: &str = "00020101021226620013ID.FINPAY.WWW01189360077732007160010212FM20071600010303UKE51410014ID.CO.QRIS.WWW0212ID12345678910303UKE520458145303360540410005502025602505802ID5909Test Sogi6015JAKARTA SELATAN61051271062100706finnet630490FF";

/// A running server, and how many token requests it has seen.
struct Provider {
    base: String,
    tokens: Arc<AtomicUsize>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Provider {
    fn token_requests(&self) -> usize {
        self.tokens.load(Ordering::SeqCst)
    }
}

async fn start(server: SnapServer, token_path: &'static str) -> Provider {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let tokens = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&tokens);
    let counted = tower::service_fn(move |request: Request<Incoming>| {
        if request.uri().path() == token_path {
            counter.fetch_add(1, Ordering::SeqCst);
        }
        let server = server.clone();
        async move { Ok::<_, Infallible>(server.handle(request).await) }
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(snap_http::serve(listener, counted, async move {
        let _ = stopped.await;
    }));
    Provider {
        base,
        tokens,
        _stop: stop,
    }
}

fn partner() -> Partner {
    Partner::new(CLIENT_ID)
        .unwrap()
        .with_public_key(public_key())
        .with_client_secret(ClientSecret::new(SECRET))
}

/// QoinHub's layout: everything under `/ordersnap/api`, create VA at its standard place.
fn qoinhub_server() -> SnapServerBuilder {
    SnapServer::builder()
        .prefix("/ordersnap/api")
        .mount::<CreateVaRequest, _, _, Infallible>(|_ctx, request| async move {
            let fields = Fields::new()
                .with(
                    "virtualAccountData",
                    &json!({"virtualAccountNo": "2035241100000664549", "trxId": request.trx_id}),
                )
                .unwrap();
            Ok(Outcome::success_with(fields))
        })
}

fn create_va_request() -> CreateVaRequest {
    serde_json::from_slice(&example("002-qoinhub-create-va-request.json")).unwrap()
}

fn wib() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(datetime!(2024-03-19 14:30:00 +07:00)))
}

#[tokio::test]
async fn token_flow_and_verified_create_va() {
    let provider = start(
        qoinhub_server().partner(partner()).build().unwrap(),
        "/ordersnap/api/v1.0/access-token/b2b",
    )
    .await;
    let client = SnapClient::new(config(&provider.base, ProviderProfile::qoinhub())).unwrap();
    let va = client.create_va(&create_va_request()).await.unwrap();
    assert_eq!(va.response_code.to_string(), "2002700");
    let data = va.virtual_account_data.unwrap();
    assert_eq!(
        data.virtual_account_no.unwrap().as_str(),
        "2035241100000664549"
    );
    client.create_va(&create_va_request()).await.unwrap();
    assert_eq!(provider.token_requests(), 1);
}

#[tokio::test]
async fn business_rejection_carries_code_message_and_status() {
    let server = SnapServer::builder()
        .prefix("/ordersnap/api")
        .partner(partner())
        .mount::<CreateVaRequest, _, _, Infallible>(|_ctx, _request| async move {
            Ok(Outcome::business(Case::Conflict, ""))
        })
        .build()
        .unwrap();
    let provider = start(server, "/ordersnap/api/v1.0/access-token/b2b").await;
    let client = SnapClient::new(config(&provider.base, ProviderProfile::qoinhub())).unwrap();
    match client.create_va(&create_va_request()).await.unwrap_err() {
        ClientError::Rejected {
            code, http_status, ..
        } => {
            assert_eq!(code.to_string(), "4092700");
            assert_eq!(http_status, 409);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn wrong_secret_is_rejected_by_the_server() {
    let provider = start(
        qoinhub_server().partner(partner()).build().unwrap(),
        "/ordersnap/api/v1.0/access-token/b2b",
    )
    .await;
    let config = ClientConfig::builder()
        .base_url(&provider.base)
        .client_id(CLIENT_ID.parse().unwrap())
        .channel_id(CHANNEL.parse().unwrap())
        .private_key(private_key())
        .client_secret(ClientSecret::new("not-the-secret"))
        .profile(ProviderProfile::qoinhub())
        .build()
        .unwrap();
    let err = SnapClient::new(config)
        .unwrap()
        .create_va(&create_va_request())
        .await
        .unwrap_err();
    let code = err.response_code().unwrap();
    assert_eq!(
        (code.http_status(), code.case()),
        (401, Some(Case::Unauthorized)),
        "{err:?}"
    );
}

#[tokio::test]
async fn refresh_before_expiry_with_an_injected_clock() {
    let clock = wib();
    let server = qoinhub_server()
        .partner(partner())
        .clock(Arc::clone(&clock))
        .build()
        .unwrap();
    let provider = start(server, "/ordersnap/api/v1.0/access-token/b2b").await;
    let client = SnapClient::with_clock(
        config(&provider.base, ProviderProfile::qoinhub()),
        clock.clone(),
    )
    .unwrap();
    client.create_va(&create_va_request()).await.unwrap();
    clock.advance(time::Duration::seconds(839));
    client.create_va(&create_va_request()).await.unwrap();
    assert_eq!(provider.token_requests(), 1, "still 61 s before expiry");
    clock.advance(time::Duration::seconds(2));
    client.create_va(&create_va_request()).await.unwrap();
    assert_eq!(provider.token_requests(), 2, "refreshed 60 s before expiry");
    clock.advance(time::Duration::seconds(100));
    client.create_va(&create_va_request()).await.unwrap();
    assert_eq!(provider.token_requests(), 2);
}

#[tokio::test]
async fn server_side_expiry_refreshes_once_and_resends() {
    // The server's clock runs ahead of the client's: the client still trusts a token the server
    // considers expired, gets `401xx01`, refreshes and resends once.
    let server_clock = wib();
    let client_clock = wib();
    let server = qoinhub_server()
        .partner(partner())
        .clock(Arc::clone(&server_clock))
        .timestamp_window(Duration::from_secs(3600))
        .build()
        .unwrap();
    let provider = start(server, "/ordersnap/api/v1.0/access-token/b2b").await;
    let client = SnapClient::with_clock(
        config(&provider.base, ProviderProfile::qoinhub()),
        client_clock,
    )
    .unwrap();
    client.create_va(&create_va_request()).await.unwrap();
    server_clock.advance(time::Duration::seconds(1000));
    let va = client.create_va(&create_va_request()).await.unwrap();
    assert!(va.response_code.is_success());
    assert_eq!(provider.token_requests(), 2);
}

#[tokio::test]
async fn hundred_concurrent_calls_fetch_one_token() {
    let provider = start(
        qoinhub_server().partner(partner()).build().unwrap(),
        "/ordersnap/api/v1.0/access-token/b2b",
    )
    .await;
    let client = SnapClient::new(config(&provider.base, ProviderProfile::qoinhub())).unwrap();
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let client = client.clone();
        calls.spawn(async move { client.create_va(&create_va_request()).await });
    }
    let mut ok = 0;
    while let Some(result) = calls.join_next().await {
        result.unwrap().unwrap();
        ok += 1;
    }
    assert_eq!(ok, 100);
    assert_eq!(provider.token_requests(), 1);
}

#[tokio::test]
async fn asymmetric_profile_needs_no_token() {
    let server = qoinhub_server()
        .partner(
            Partner::new(CLIENT_ID)
                .unwrap()
                .with_public_key(public_key())
                .with_mode(SignatureMode::Asymmetric),
        )
        .build()
        .unwrap();
    let provider = start(server, "/ordersnap/api/v1.0/access-token/b2b").await;
    let profile = ProviderProfile::qoinhub().with_signature_mode(SignatureMode::Asymmetric);
    let config = ClientConfig::builder()
        .base_url(&provider.base)
        .client_id(CLIENT_ID.parse().unwrap())
        .channel_id(CHANNEL.parse().unwrap())
        .private_key(private_key())
        .profile(profile)
        .build()
        .unwrap();
    let va = SnapClient::new(config)
        .unwrap()
        .create_va(&create_va_request())
        .await
        .unwrap();
    assert!(va.response_code.is_success());
    assert_eq!(provider.token_requests(), 0);
}

#[tokio::test]
async fn finpay_profile_generate_query_refund() {
    let server = SnapServer::builder()
        .token_path(Some("/snap/oauth/v1.0/access-token/b2b"))
        .partner(partner())
        .route::<QrMpmGenerateRequest, _, _, Infallible>(
            Method::POST,
            "/pg/payment/card/v1.0/qr/qr-mpm-generate",
            |_ctx, request| async move {
                let fields = Fields::new()
                    .with("referenceNo", &"weoOiX7RIjSBA31QGcUxrJLyaKFH0z5T")
                    .unwrap()
                    .with("partnerReferenceNo", &request.partner_reference_no)
                    .unwrap()
                    .with("qrContent", &QR)
                    .unwrap();
                Ok(Outcome::success_with(fields))
            },
        )
        .route::<QrMpmQueryRequest, _, _, Infallible>(
            Method::POST,
            "/pg/payment/card/v1.0/qr/qr-mpm-query",
            |_ctx, _request| async move {
                Ok(Outcome::success_with(
                    Fields::new().with("transactionStatus", &"00").unwrap(),
                ))
            },
        )
        .route::<QrMpmRefundRequest, _, _, Infallible>(
            Method::POST,
            "/pg/payment/card/v1.0/qr/qr-mpm-refund",
            |_ctx, request| async move {
                Ok(Outcome::success_with(
                    Fields::new()
                        .with("partnerReferenceNo", &request.partner_reference_no)
                        .unwrap(),
                ))
            },
        )
        .build()
        .unwrap();
    let provider = start(server, "/snap/oauth/v1.0/access-token/b2b").await;
    let client = SnapClient::new(config(&provider.base, ProviderProfile::finpay())).unwrap();

    let generate: QrMpmGenerateRequest =
        serde_json::from_slice(&example("003-finpay-qr-mpm-generate-request.json")).unwrap();
    let qr = client.generate_qr(&generate).await.unwrap();
    assert_eq!(qr.qr_content.as_deref(), Some(QR));
    assert_eq!(qr.response_code.to_string(), "2004700");

    let query: QrMpmQueryRequest =
        serde_json::from_slice(&example("003-finpay-qr-mpm-query-request.json")).unwrap();
    let status = client.query_qr(&query).await.unwrap();
    assert_eq!(status.response_code.to_string(), "2005100");

    let refund: QrMpmRefundRequest =
        serde_json::from_slice(&example("003-finpay-qr-mpm-refund-request.json")).unwrap();
    let refunded = client.refund_qr(&refund).await.unwrap();
    assert_eq!(refunded.partner_reference_no.as_deref(), Some("REF123456"));
    assert_eq!(provider.token_requests(), 1);
}
