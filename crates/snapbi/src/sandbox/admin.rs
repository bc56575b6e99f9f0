//! The admin endpoint (plain JSON, no authentication: keep the sandbox on loopback) and the
//! small client `snapbi sandbox pay|deliveries|fault|ledger` use to reach it.
//!
//! | request | what |
//! |---|---|
//! | `POST /_sandbox/pay` `{"va": NO, "amount": "10000.00"}` or `{"qr": REFERENCE}` | simulate a payment; answers the delivery id |
//! | `GET /_sandbox/deliveries` | the delivery log, every attempt |
//! | `GET /_sandbox/deliveries/{id}?wait_ms=N` | one delivery, after waiting up to N ms for it to finish |
//! | `POST /_sandbox/deliveries/{id}/resend` | send it again: same X-EXTERNAL-ID and body, new X-TIMESTAMP and signature; answers the new delivery id |
//! | `GET /_sandbox/faults`, `PUT /_sandbox/faults` | read / replace the fault injection settings |
//! | `GET /_sandbox/ledger` | every VA and QR |
//! | `/_sandbox/web/...` | the web simulator's pages (`web`) |
//!
//! Refusals answer `{"responseCode": …, "responseMessage": …}` with the HTTP status of the code.

use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use serde::{Deserialize, Serialize};
use serde_json::json;
use snap_types::Amount;

use super::config::Faults;
use super::provider::{PayError, Sandbox};

#[cfg(any(test, fuzzing))]
pub(crate) mod fuzz_check;

const BODY_LIMIT: usize = 64 * 1024;

fn reply(status: StatusCode, body: &impl Serialize) -> Response<Full<Bytes>> {
    let bytes = serde_json::to_vec_pretty(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = Response::new(Full::new(Bytes::from(bytes)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

fn error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    reply(status, &json!({ "error": message }))
}

fn refusal(e: &PayError) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    reply(
        status,
        &json!({ "responseCode": e.code.to_string(), "responseMessage": e.message }),
    )
}

/// A pay request.
#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct PayRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) va: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) qr: Option<String>,
}

/// Answers one admin request (the body read to at most 64 KiB).
pub(crate) async fn handle<B>(sandbox: &Sandbox, request: Request<B>) -> Response<Full<Bytes>>
where
    B: hyper::body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().trim_end_matches('/').to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();
    let body = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return error(StatusCode::BAD_REQUEST, "body unreadable or over 64 KiB"),
    };
    let route = path.strip_prefix("/_sandbox").unwrap_or(&path);
    if let Some(page) = route.strip_prefix("/web") {
        return super::web::handle(sandbox, &parts.method, page, &body).await;
    }
    match (&parts.method, route) {
        (&Method::POST, "/pay") => pay(sandbox, &body).await,
        (&Method::GET, "/key") => reply(
            StatusCode::OK,
            &json!({ "publicKey": sandbox.public_key_pem }),
        ),
        (&Method::GET, "/deliveries") => reply(StatusCode::OK, &sandbox.notifier.deliveries()),
        (&Method::GET, "/faults") => reply(StatusCode::OK, &sandbox.notifier.faults()),
        (&Method::PUT, "/faults") => match serde_json::from_slice::<Faults>(&body) {
            Ok(faults) => {
                sandbox.notifier.set_faults(faults);
                reply(StatusCode::OK, &sandbox.notifier.faults())
            }
            Err(e) => error(StatusCode::BAD_REQUEST, &format!("faults: {e}")),
        },
        (&Method::GET, "/ledger") => {
            let (vas, qrs) = sandbox.store.snapshot();
            reply(
                StatusCode::OK,
                &json!({ "virtualAccounts": vas, "qris": qrs }),
            )
        }
        (&Method::POST, other) if other.starts_with("/deliveries/") => resend(sandbox, other),
        (&Method::GET, other) if other.starts_with("/deliveries/") => {
            let Ok(id) = other["/deliveries/".len()..].parse::<u64>() else {
                return error(StatusCode::NOT_FOUND, "no such delivery");
            };
            let wait = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("wait_ms="))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
                .min(120_000);
            match sandbox.notifier.wait(id, Duration::from_millis(wait)).await {
                Some(delivery) => reply(StatusCode::OK, &delivery),
                None => error(StatusCode::NOT_FOUND, "no such delivery"),
            }
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "no such admin endpoint (see snapbi sandbox --help)",
        ),
    }
}

async fn pay(sandbox: &Sandbox, body: &[u8]) -> Response<Full<Bytes>> {
    let request: PayRequest = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("pay: {e}")),
    };
    let amount = match request.amount.as_deref().map(str::parse::<Amount>) {
        None => None,
        Some(Ok(a)) => Some(a),
        Some(Err(e)) => return error(StatusCode::BAD_REQUEST, &format!("amount: {e}")),
    };
    let result = match (&request.va, &request.qr) {
        (Some(va), None) => sandbox.pay_va_any(va, amount).await,
        (None, Some(qr)) if amount.is_none() => sandbox.pay_qr(qr),
        (None, Some(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "a QRIS payment pays the QR's amount; drop amount",
            );
        }
        _ => return error(StatusCode::BAD_REQUEST, "give exactly one of va or qr"),
    };
    match result {
        Ok(paid) => reply(StatusCode::OK, &paid),
        Err(e) => refusal(&e),
    }
}

/// `POST /_sandbox/deliveries/{id}/resend`.
fn resend(sandbox: &Sandbox, route: &str) -> Response<Full<Bytes>> {
    let id = route
        .strip_prefix("/deliveries/")
        .and_then(|r| r.strip_suffix("/resend"))
        .and_then(|id| id.parse::<u64>().ok());
    let Some(id) = id else {
        return error(
            StatusCode::NOT_FOUND,
            "no such admin endpoint (see snapbi sandbox --help)",
        );
    };
    match sandbox.notifier.resend(id) {
        Ok(new) => reply(
            StatusCode::OK,
            &json!({ "deliveryId": new, "resendOf": id }),
        ),
        Err(e) => error(StatusCode::NOT_FOUND, &e),
    }
}

/// A plain-HTTP call to a running sandbox's admin endpoint: the status and the JSON body.
pub(crate) async fn call(
    base: &str,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> Result<(u16, serde_json::Value), String> {
    let base = base.trim_end_matches('/');
    let base = if base.starts_with("http://") || base.starts_with("https://") {
        base.to_owned()
    } else {
        format!("http://{base}")
    };
    let uri = format!("{base}{path}");
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let mut request = Request::builder().method(method).uri(&uri);
    if body.is_some() {
        request = request.header(http::header::CONTENT_TYPE, "application/json");
    }
    let request = request
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| format!("{uri}: {e}"))?;
    let response = tokio::time::timeout(Duration::from_secs(130), client.request(request))
        .await
        .map_err(|_| format!("{uri}: no answer"))?
        .map_err(|e| format!("cannot reach the sandbox at {base} ({e}); is `snapbi sandbox` running? (--admin ADDR)"))?;
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{uri}: {e}"))?
        .to_bytes();
    let value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{uri}: answer is not JSON ({e})"))?;
    Ok((status, value))
}
