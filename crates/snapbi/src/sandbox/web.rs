//! The web simulator: server-rendered pages on the admin address, under `/_sandbox/web`, for a
//! tester who pays by hand. No JavaScript and nothing fetched from elsewhere (the sandbox runs
//! offline); a pending delivery's page reloads itself with a meta refresh.
//!
//! | page | what |
//! |---|---|
//! | `GET /_sandbox/web` | the ledger: VAs and QRs with status, amounts, expiry; the latest deliveries |
//! | `GET /_sandbox/web/va/{no}` | one VA, and a form to pay it (the amount, for an open VA) |
//! | `GET /_sandbox/web/qr/{reference}` | one QR: drawn (SVG), its payload decoded, a pay button |
//! | `POST /_sandbox/web/pay` | pays (`va` + `amount`, or `qr`), then shows the delivery |
//! | `GET /_sandbox/web/deliveries` | every notification |
//! | `GET /_sandbox/web/deliveries/{id}` | one notification: its body and every attempt (headers with secrets masked, the merchant's answer, timing) |
//! | `POST /_sandbox/web/deliveries/{id}/resend` | sends it again (same X-EXTERNAL-ID and body, new signature), then shows the new delivery |
//! | `GET`/`POST /_sandbox/web/faults` | the fault switches |
//!
//! The pages show the same documents the JSON admin API returns (`admin`), so both always agree.

mod deliveries;
mod faults;
mod html;
mod ledger;
mod payment;

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use http_body_util::Full;

use super::provider::Sandbox;

/// Where the pages live (below the admin prefix).
pub(crate) const WEB_ROOT: &str = "/_sandbox/web";

/// The form fields of a posted `application/x-www-form-urlencoded` body.
fn form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// Answers one page request; `route` is the path below [`WEB_ROOT`] (`""`, `/va/...`).
pub(crate) async fn handle(
    sandbox: &Sandbox,
    method: &Method,
    route: &str,
    body: &[u8],
) -> Response<Full<Bytes>> {
    let decoded = |rest: &str| percent_decode(rest);
    match (method, route) {
        (&Method::GET, "") => ledger::page(sandbox),
        (&Method::GET, r) if r.starts_with("/va/") => {
            payment::va_page(sandbox, &decoded(&r[4..]), None)
        }
        (&Method::GET, r) if r.starts_with("/qr/") => {
            payment::qr_page(sandbox, &decoded(&r[4..]), None)
        }
        (&Method::POST, "/pay") => payment::pay(sandbox, &form(body)).await,
        (&Method::GET, "/deliveries") => deliveries::list(sandbox),
        (&Method::POST, r) if r.starts_with("/deliveries/") && r.ends_with("/resend") => {
            // `/deliveries/resend` has both ends but no id between them: an empty id.
            let id = r
                .strip_prefix("/deliveries/")
                .and_then(|rest| rest.strip_suffix("/resend"))
                .unwrap_or_default();
            deliveries::resend(sandbox, id)
        }
        (&Method::GET, r) if r.starts_with("/deliveries/") => {
            deliveries::one(sandbox, &r["/deliveries/".len()..])
        }
        (&Method::GET, "/faults") => faults::page(sandbox, None),
        (&Method::POST, "/faults") => faults::set(sandbox, &form(body)),
        _ => html::page(
            StatusCode::NOT_FOUND,
            "Not found",
            "<p>No such page. Start at the <a href=\"/_sandbox/web\">ledger</a>.</p>",
            None,
        ),
    }
}

/// A percent-encoded path segment as text.
fn percent_decode(segment: &str) -> String {
    // A path segment decodes like a form value, except that `+` is a literal plus.
    let protected = segment.replace('+', "%2B");
    form_urlencoded::parse(format!("x={protected}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}
