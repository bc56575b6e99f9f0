//! One VA or QR, and paying it: the VA's bill and a pay form (the amount, for an open VA); the
//! QR drawn as SVG with its payload decoded, and a pay button.

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::Full;
use snap_qris::DataObject;
use snap_types::Amount;

use super::WEB_ROOT;
use super::html::{escape, field, page as shell, see_other, status};
use crate::sandbox::provider::{PayError, Sandbox};

/// The refusal of a pay attempt, shown above the form.
fn refusal(e: &PayError) -> String {
    format!(
        "<div class=\"error\" id=\"refused\">Refused: {} {}</div>",
        e.code,
        escape(&e.message)
    )
}

fn status_of(e: &PayError) -> StatusCode {
    StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST)
}

fn details(rows: &[(&str, String)]) -> String {
    let mut out = String::from("<table class=\"details\">");
    for (name, value) in rows {
        out.push_str(&format!("<tr><th>{name}</th><td>{value}</td></tr>"));
    }
    out.push_str("</table>");
    out
}

/// `GET /_sandbox/web/va/{number}`, with `error` from a refused pay attempt.
pub(crate) fn va_page(
    sandbox: &Sandbox,
    number: &str,
    error: Option<&PayError>,
) -> Response<Full<Bytes>> {
    let Some(va) = sandbox.store.find_va(number) else {
        let shown = error.map(refusal).unwrap_or_default();
        return shell(
            error.map_or(StatusCode::NOT_FOUND, status_of),
            "No such virtual account",
            &format!("{shown}<p>No VA {}.</p>", escape(number)),
            None,
        );
    };
    let va = serde_json::to_value(&va).unwrap_or_default();
    let open_amount = va["amount"].as_str() == Some("0.00");
    let state = va["status"].as_str().unwrap_or_default();
    let mut body = error.map(refusal).unwrap_or_default();
    body.push_str(&details(&[
        (
            "VA number",
            format!("<code>{}</code>", field(&va, "virtualAccountNo")),
        ),
        ("merchant", field(&va, "partnerId")),
        ("name", field(&va, "name")),
        (
            "amount",
            if open_amount {
                "open (the payer chooses)".into()
            } else {
                field(&va, "amount")
            },
        ),
        ("paid", field(&va, "paidAmount")),
        ("expires", field(&va, "expiresAt")),
        ("trxId", field(&va, "trxId")),
        ("status", status(state)),
    ]));
    if state == "open" {
        let value = if open_amount {
            String::new()
        } else {
            field(&va, "amount")
        };
        body.push_str(&format!(
            "<h2>Pay</h2><form method=\"post\" action=\"{WEB_ROOT}/pay\">\
             <input type=\"hidden\" name=\"va\" value=\"{}\">\
             <label>Amount (IDR) <input id=\"amount\" name=\"amount\" value=\"{value}\" \
             placeholder=\"10000.00\" {}></label> <button id=\"pay\" type=\"submit\">Pay</button></form>\
             <p class=\"muted\">The merchant gets the VA payment notification (service 25); the \
             fault switches and the amount scenarios apply.</p>",
            field(&va, "virtualAccountNo"),
            if open_amount { "required" } else { "readonly" },
        ));
    }
    let status = error.map_or(StatusCode::OK, status_of);
    shell(status, "Virtual account", &body, None)
}

/// `GET /_sandbox/web/qr/{reference}`, with `error` from a refused pay attempt.
pub(crate) fn qr_page(
    sandbox: &Sandbox,
    reference: &str,
    error: Option<&PayError>,
) -> Response<Full<Bytes>> {
    let Some(qr) = sandbox.store.find_qr_any(reference) else {
        return shell(
            StatusCode::NOT_FOUND,
            "No such QR",
            &format!("<p>No QR {}.</p>", escape(reference)),
            None,
        );
    };
    let qr = serde_json::to_value(&qr).unwrap_or_default();
    let payload = qr["qrContent"].as_str().unwrap_or_default();
    let state = qr["status"].as_str().unwrap_or_default();
    let mut body = error.map(refusal).unwrap_or_default();
    let svg = snap_qris::render_svg(payload).unwrap_or_else(|e| {
        format!(
            "<p class=\"error\">cannot draw: {}</p>",
            escape(&e.to_string())
        )
    });
    body.push_str(&format!("<div class=\"qr\" id=\"qr\">{svg}</div>"));
    body.push_str(&details(&[
        (
            "referenceNo",
            format!("<code>{}</code>", field(&qr, "referenceNo")),
        ),
        ("partnerReferenceNo", field(&qr, "partnerReferenceNo")),
        ("merchant", field(&qr, "partnerId")),
        ("profile", field(&qr, "flavor")),
        ("amount", field(&qr, "amount")),
        ("expires", field(&qr, "expiresAt")),
        ("paid at", field(&qr, "paidAt")),
        ("status", status(state)),
    ]));
    if state == "open" {
        body.push_str(&format!(
            "<form method=\"post\" action=\"{WEB_ROOT}/pay\"><input type=\"hidden\" name=\"qr\" \
             value=\"{}\"><button id=\"pay\" type=\"submit\">Pay this QR</button></form>",
            field(&qr, "referenceNo"),
        ));
    }
    body.push_str("<h2>Payload</h2>");
    body.push_str(&format!("<pre class=\"wrap\">{}</pre>", escape(payload)));
    match snap_qris::parse(payload) {
        Ok(parsed) => {
            body.push_str(
                "<table id=\"payload\"><tr><th>tag</th><th>length</th><th>value</th></tr>",
            );
            objects(&mut body, parsed.objects());
            body.push_str("</table>");
            let crc = parsed.crc();
            body.push_str(&format!(
                "<p>CRC-16: {}</p>",
                if crc.is_valid() { "valid" } else { "INVALID" }
            ));
            // What the tags mean, as snap-qris reads them (merchant, amount, acquirer, ...).
            if let Ok(serde_json::Value::Object(view)) = serde_json::to_value(parsed.view()) {
                body.push_str("<h2>Decoded</h2><table id=\"decoded\">");
                for (name, value) in view.iter().filter(|(_, v)| !v.is_null()) {
                    let shown = match value {
                        serde_json::Value::String(text) => text.clone(),
                        other => other.to_string(),
                    };
                    body.push_str(&format!(
                        "<tr><th>{}</th><td><code>{}</code></td></tr>",
                        escape(name),
                        escape(&shown)
                    ));
                }
                body.push_str("</table>");
            }
        }
        Err(e) => body.push_str(&format!(
            "<p class=\"error\">{}</p>",
            escape(&e.to_string())
        )),
    }
    let status = error.map_or(StatusCode::OK, status_of);
    shell(status, "QRIS", &body, None)
}

fn objects(out: &mut String, list: &[DataObject<'_>]) {
    for o in list {
        let template = o.is_template() && o.template_error().is_none();
        let value = if template {
            String::new()
        } else {
            escape(o.value())
        };
        out.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{value}</td></tr>",
            o.path(),
            o.length()
        ));
        if template {
            objects(out, o.children());
        }
    }
}

/// `POST /_sandbox/web/pay`: `va` (+ `amount`) or `qr`; on success, to the delivery's page.
pub(crate) async fn pay(sandbox: &Sandbox, form: &[(String, String)]) -> Response<Full<Bytes>> {
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let (va, qr) = (get("va"), get("qr"));
    let result = match (&va, &qr) {
        (Some(va), None) => {
            let amount = match get("amount").map(|a| a.parse::<Amount>()) {
                None => None,
                Some(Ok(a)) => Some(a),
                Some(Err(e)) => {
                    let error = PayError {
                        code: snap_types::ResponseCode::of(
                            snap_types::Case::InvalidFieldFormat,
                            snap_types::ServiceCode::TRANSFER_VA_PAYMENT,
                        ),
                        message: format!("amount: {e}"),
                    };
                    return va_page(sandbox, va, Some(&error));
                }
            };
            sandbox
                .pay_va_any(va, amount)
                .await
                .map_err(|e| va_page(sandbox, va, Some(&e)))
        }
        (None, Some(qr)) => sandbox
            .pay_qr(qr)
            .map_err(|e| qr_page(sandbox, qr, Some(&e))),
        _ => {
            return shell(
                StatusCode::BAD_REQUEST,
                "Pay",
                "<p class=\"error\">Give a VA or a QR to pay.</p>",
                None,
            );
        }
    };
    match result {
        Ok(paid) => see_other(&format!("{WEB_ROOT}/deliveries/{}", paid.delivery_id)),
        Err(page) => page,
    }
}
