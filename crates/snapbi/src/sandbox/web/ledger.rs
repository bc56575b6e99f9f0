//! The ledger page: every VA and QR with its status, amounts and expiry, and the latest
//! deliveries.

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::Full;
use serde_json::Value;

use super::html::{escape, field, page as shell, segment, status};
use super::{WEB_ROOT, deliveries};
use crate::sandbox::provider::Sandbox;

/// How many deliveries the ledger page lists.
const LATEST: usize = 10;

/// `GET /_sandbox/web`.
pub(crate) fn page(sandbox: &Sandbox) -> Response<Full<Bytes>> {
    let (vas, qrs) = sandbox.store.snapshot();
    let vas = serde_json::to_value(&vas).unwrap_or_default();
    let qrs = serde_json::to_value(&qrs).unwrap_or_default();
    let mut body = String::from("<h2>Virtual accounts</h2>");
    let vas = vas.as_array().cloned().unwrap_or_default();
    if vas.is_empty() {
        body.push_str(
            "<p class=\"muted\">None yet: the merchant creates them with create-VA (service 27).</p>",
        );
    } else {
        body.push_str(
            "<table id=\"vas\"><tr><th>VA number</th><th>merchant</th><th>name</th><th>amount</th>\
             <th>paid</th><th>expires</th><th>status</th><th></th></tr>",
        );
        for va in &vas {
            body.push_str(&va_row(va));
        }
        body.push_str("</table>");
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"{WEB_ROOT}/pay\">Pay any VA number (a biller merchant's \
         is inquired first): <input name=\"va\" placeholder=\"VA number\"> \
         <input name=\"amount\" placeholder=\"amount, for an open VA\"> \
         <button type=\"submit\">Pay</button></form>"
    ));
    body.push_str("<h2>QRIS</h2>");
    let qrs = qrs.as_array().cloned().unwrap_or_default();
    if qrs.is_empty() {
        body.push_str(
            "<p class=\"muted\">None yet: the merchant creates them with QR MPM generate (service 47).</p>",
        );
    } else {
        body.push_str(
            "<table id=\"qrs\"><tr><th>referenceNo</th><th>partnerReferenceNo</th><th>merchant</th>\
             <th>profile</th><th>amount</th><th>expires</th><th>status</th><th></th></tr>",
        );
        for qr in &qrs {
            body.push_str(&qr_row(qr));
        }
        body.push_str("</table>");
    }
    body.push_str("<h2>Latest deliveries</h2>");
    body.push_str(&deliveries::table(sandbox, LATEST));
    shell(StatusCode::OK, "Ledger", &body, None)
}

fn va_row(va: &Value) -> String {
    let number = va["virtualAccountNo"].as_str().unwrap_or_default();
    let compact: String = number.chars().filter(|c| !c.is_whitespace()).collect();
    let amount = match field(va, "amount").as_str() {
        "0.00" => "open".to_owned(),
        a => a.to_owned(),
    };
    let state = va["status"].as_str().unwrap_or_default();
    let action = if state == "open" { "Pay" } else { "View" };
    format!(
        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{amount}</td><td>{}</td><td>{}</td>\
         <td>{}</td><td><a class=\"pay-va\" href=\"{WEB_ROOT}/va/{}\">{action}</a></td></tr>",
        escape(number),
        field(va, "partnerId"),
        field(va, "name"),
        field(va, "paidAmount"),
        field(va, "expiresAt"),
        status(state),
        segment(&compact),
    )
}

fn qr_row(qr: &Value) -> String {
    let reference = qr["referenceNo"].as_str().unwrap_or_default();
    let state = qr["status"].as_str().unwrap_or_default();
    let action = if state == "open" { "Pay" } else { "View" };
    format!(
        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
         <td>{}</td><td><a class=\"pay-qr\" href=\"{WEB_ROOT}/qr/{}\">{action}</a></td></tr>",
        escape(reference),
        field(qr, "partnerReferenceNo"),
        field(qr, "partnerId"),
        field(qr, "flavor"),
        field(qr, "amount"),
        field(qr, "expiresAt"),
        status(state),
        segment(reference),
    )
}
