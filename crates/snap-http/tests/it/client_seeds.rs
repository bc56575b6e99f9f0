//! Every seed request example (fixtures/examples) sent by the client, and every seed response
//! example parsed from the wire.

use std::future::Future;

use serde::Serialize;
use serde_json::Value;
use snap_http::{ProviderProfile, SnapClient};
use snap_types::{
    CreateVaRequest, DebitNotification, QrMpmGenerateRequest, QrMpmNotification, QrMpmQueryRequest,
    QrMpmRefundRequest, SnapRequest, VaPaymentNotification,
};

use crate::client_support::{Reply, Scripted, config, example};

/// Serves `token_response` on the token path and `response` on every other path; returns the
/// client, the server and the parsed request example.
async fn serve<T: SnapRequest>(
    profile: ProviderProfile,
    token_response: &str,
    request: &str,
    response: &str,
) -> (SnapClient, Scripted, T) {
    let token_body = bytes::Bytes::from(example(token_response));
    let response_body = bytes::Bytes::from(example(response));
    let server = Scripted::start(move |r, _| {
        if r.is_token() {
            Reply::json(200, token_body.clone())
        } else {
            Reply::json(200, response_body.clone())
        }
    })
    .await;
    let client = SnapClient::new(config(&server.base, profile)).unwrap();
    let parsed: T = serde_json::from_slice(&example(request)).unwrap();
    (client, server, parsed)
}

/// The request reached `path`, correctly signed, carrying the example's content; the parsed
/// answer kept every top-level field of the response example.
fn check<R: Serialize>(server: &Scripted, path: &str, request: &str, response: &str, parsed: &R) {
    let calls = server.service_requests();
    assert_eq!(calls.len(), 1, "{request}");
    let call = &calls[0];
    assert_eq!(call.path, path, "{request}");
    call.verify_symmetric();
    let sent: Value = serde_json::from_slice(&call.body).unwrap();
    let mut expected: Value = serde_json::from_slice(&example(request)).unwrap();
    // Seed 002's table spells it `addtionalInfo`; the DTO always writes `additionalInfo`.
    if let Some(obj) = expected.as_object_mut()
        && let Some(v) = obj.remove("addtionalInfo")
    {
        obj.insert("additionalInfo".into(), v);
    }
    assert_eq!(
        sent, expected,
        "{request}: the sent body differs from the example"
    );

    let example_response: Value = serde_json::from_slice(&example(response)).unwrap();
    let reparsed = serde_json::to_value(parsed).unwrap();
    for key in example_response.as_object().unwrap().keys() {
        assert!(reparsed.get(key).is_some(), "{response}: field {key} lost");
    }
    assert_eq!(
        reparsed["responseCode"], example_response["responseCode"],
        "{response}"
    );
}

async fn run<T, F, Fut>(
    profile: ProviderProfile,
    seed_token: &str,
    request: &str,
    response: &str,
    path: &str,
    send: F,
) where
    T: SnapRequest,
    F: FnOnce(SnapClient, T) -> Fut,
    Fut: Future<Output = T::Response>,
{
    let (client, server, parsed) = serve::<T>(profile, seed_token, request, response).await;
    let answer = send(client, parsed).await;
    check(&server, path, request, response, &answer);
}

const QOINHUB_TOKEN: &str = "000-qoinhub-access-token-b2b-response.json";
const FINPAY_TOKEN: &str = "003-finpay-access-token-b2b-response.json";

#[tokio::test]
async fn seed_000_va_payment() {
    run::<VaPaymentNotification, _, _>(
        ProviderProfile::qoinhub(),
        QOINHUB_TOKEN,
        "000-qoinhub-va-payment-request.json",
        "000-qoinhub-va-payment-response.json",
        "/ordersnap/api/v1.0/transfer-va/payment",
        |c, r| async move { c.call(&r).await.unwrap() },
    )
    .await;
}

#[tokio::test]
async fn seed_001_debit_notify() {
    run::<DebitNotification, _, _>(
        ProviderProfile::qoinhub(),
        "001-qoinhub-access-token-b2b-response.json",
        "001-qoinhub-debit-notify-request.json",
        "001-qoinhub-debit-notify-response.json",
        "/ordersnap/api/v1.0/debit/notify",
        |c, r| async move { c.call(&r).await.unwrap() },
    )
    .await;
}

#[tokio::test]
async fn seed_002_create_va() {
    run::<CreateVaRequest, _, _>(
        ProviderProfile::qoinhub(),
        QOINHUB_TOKEN,
        "002-qoinhub-create-va-request.json",
        "002-qoinhub-create-va-response.json",
        "/ordersnap/api/v1.0/transfer-va/create-va",
        |c, r| async move {
            let va = c.create_va(&r).await.unwrap();
            assert_eq!(
                va.virtual_account_data
                    .as_ref()
                    .unwrap()
                    .virtual_account_no
                    .as_ref()
                    .map(|v| v.as_str()),
                Some("2035241100000664549")
            );
            va
        },
    )
    .await;
}

#[tokio::test]
async fn seed_003_finpay_generate() {
    run::<QrMpmGenerateRequest, _, _>(
        ProviderProfile::finpay(),
        FINPAY_TOKEN,
        "003-finpay-qr-mpm-generate-request.json",
        "003-finpay-qr-mpm-generate-response.json",
        "/pg/payment/card/v1.0/qr/qr-mpm-generate",
        |c, r| async move {
            let qr = c.generate_qr(&r).await.unwrap();
            assert!(qr.qr_content.as_deref().unwrap().ends_with("630490FF"));
            qr
        },
    )
    .await;
}

#[tokio::test]
async fn seed_003_finpay_notify() {
    run::<QrMpmNotification, _, _>(
        ProviderProfile::finpay(),
        FINPAY_TOKEN,
        "003-finpay-qr-mpm-notify-request.json",
        "003-finpay-qr-mpm-notify-response.json",
        "/pg/payment/card/v1.0/qr/qr-mpm-notify",
        |c, r| async move { c.call(&r).await.unwrap() },
    )
    .await;
}

#[tokio::test]
async fn seed_003_finpay_query() {
    run::<QrMpmQueryRequest, _, _>(
        ProviderProfile::finpay(),
        FINPAY_TOKEN,
        "003-finpay-qr-mpm-query-request.json",
        "003-finpay-qr-mpm-query-response.json",
        "/pg/payment/card/v1.0/qr/qr-mpm-query",
        // Finpay's example answers a query with `2004700`: success is any 2xx code.
        |c, r| async move { c.query_qr(&r).await.unwrap() },
    )
    .await;
}

#[tokio::test]
async fn seed_003_finpay_refund() {
    run::<QrMpmRefundRequest, _, _>(
        ProviderProfile::finpay(),
        FINPAY_TOKEN,
        "003-finpay-qr-mpm-refund-request.json",
        "003-finpay-qr-mpm-refund-response.json",
        "/pg/payment/card/v1.0/qr/qr-mpm-refund",
        |c, r| async move { c.refund_qr(&r).await.unwrap() },
    )
    .await;
}

#[tokio::test]
async fn seed_004_qoinhub_generate() {
    run::<QrMpmGenerateRequest, _, _>(
        ProviderProfile::qoinhub(),
        QOINHUB_TOKEN,
        "004-qoinhub-qr-mpm-generate-request.json",
        "004-qoinhub-qr-mpm-generate-response.json",
        "/ordersnap/api/v1.0/qr/qr-mpm-generate",
        |c, r| async move {
            let qr = c.generate_qr(&r).await.unwrap();
            assert!(qr.qr_content.as_deref().unwrap().ends_with("630459B2"));
            qr
        },
    )
    .await;
}

/// The token request examples: the client's body carries the same `grantType`, and each token
/// response example yields a usable token (`expiresIn` as the string `"900"` or the number `900`).
#[tokio::test]
async fn seed_token_examples() {
    for (request, response) in [
        (
            "000-qoinhub-access-token-b2b-request.json",
            "000-qoinhub-access-token-b2b-response.json",
        ),
        (
            "001-qoinhub-access-token-b2b-request.json",
            "001-qoinhub-access-token-b2b-response.json",
        ),
        (
            "003-finpay-access-token-b2b-request.json",
            "003-finpay-access-token-b2b-response.json",
        ),
    ] {
        let body = bytes::Bytes::from(example(response));
        let server = Scripted::start(move |_, _| Reply::json(200, body.clone())).await;
        let client = SnapClient::new(config(&server.base, ProviderProfile::qoinhub())).unwrap();
        let reply = client.fetch_token().await.unwrap();
        assert!(reply.is_success(), "{response}");
        assert_eq!(&reply.body()[..], &example(response)[..]);
        let token = client.access_token().await.unwrap();
        assert!(token.expose().starts_with("eyJ"), "{response}");
        assert_eq!(
            server.recorded().len(),
            1,
            "{response}: the fetched token is cached"
        );

        let sent: Value = serde_json::from_slice(&server.recorded()[0].body).unwrap();
        let expected: Value = serde_json::from_slice(&example(request)).unwrap();
        assert_eq!(sent["grantType"], expected["grantType"], "{request}");
    }
}
