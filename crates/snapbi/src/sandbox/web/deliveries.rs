//! Deliveries: every notification the sandbox sent or is sending, and one delivery with its body
//! and each attempt (when, what the merchant answered).

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::Full;
use serde_json::Value;

use super::WEB_ROOT;
use super::html::{escape, exact, field, page as shell, see_other, status};
use crate::sandbox::provider::Sandbox;

/// The newest `limit` deliveries as a table (newest first).
pub(crate) fn table(sandbox: &Sandbox, limit: usize) -> String {
    let all = serde_json::to_value(sandbox.notifier.deliveries()).unwrap_or_default();
    let all = all.as_array().cloned().unwrap_or_default();
    if all.is_empty() {
        return "<p class=\"muted\">No notifications yet: pay a VA or a QR.</p>".into();
    }
    let mut out = String::from(
        "<table id=\"deliveries\"><tr><th>#</th><th>notification</th><th>merchant</th><th>path</th>\
         <th>for</th><th>X-EXTERNAL-ID</th><th>attempts</th><th>state</th></tr>",
    );
    for d in all.iter().rev().take(limit) {
        let id = d["id"].as_u64().unwrap_or_default();
        let attempts = d["attempts"].as_array().map_or(0, Vec::len);
        out.push_str(&format!(
            "<tr class=\"delivery\"><td><a href=\"{WEB_ROOT}/deliveries/{id}\">#{id}</a></td>\
             <td>{} ({})</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td>\
             <td><code>{}</code></td><td>{attempts}</td><td>{}</td></tr>",
            field(d, "kind"),
            field(d, "service"),
            field(d, "merchant"),
            field(d, "path"),
            field(d, "reference"),
            field(d, "externalId"),
            status(d["state"].as_str().unwrap_or_default()),
        ));
    }
    out.push_str("</table>");
    out
}

/// `GET /_sandbox/web/deliveries`.
pub(crate) fn list(sandbox: &Sandbox) -> Response<Full<Bytes>> {
    let pending = sandbox
        .notifier
        .deliveries()
        .iter()
        .any(|d| d.state == crate::sandbox::DeliveryState::Pending);
    shell(
        StatusCode::OK,
        "Deliveries",
        &table(sandbox, usize::MAX),
        pending.then_some(2),
    )
}

/// `GET /_sandbox/web/deliveries/{id}`: reloads itself every second while pending.
pub(crate) fn one(sandbox: &Sandbox, id: &str) -> Response<Full<Bytes>> {
    let Some(delivery) = id.parse().ok().and_then(|id| sandbox.notifier.delivery(id)) else {
        return shell(
            StatusCode::NOT_FOUND,
            "No such delivery",
            &format!("<p>No delivery {}.</p>", escape(id)),
            None,
        );
    };
    let pending = delivery.state == crate::sandbox::DeliveryState::Pending;
    let d = serde_json::to_value(&delivery).unwrap_or_default();
    let mut body = format!(
        "<table class=\"details\"><tr><th>notification</th><td>{} (service {})</td></tr>\
         <tr><th>merchant</th><td>{}</td></tr><tr><th>path</th><td><code>{}</code></td></tr>\
         <tr><th>for</th><td><code>{}</code></td></tr>\
         <tr><th>X-EXTERNAL-ID</th><td><code>{}</code></td></tr>\
         <tr><th>state</th><td id=\"state\">{}</td></tr></table>",
        field(&d, "kind"),
        field(&d, "service"),
        field(&d, "merchant"),
        field(&d, "path"),
        field(&d, "reference"),
        field(&d, "externalId"),
        status(d["state"].as_str().unwrap_or_default()),
    );
    if let Some(original) = d["resendOf"].as_u64() {
        body.push_str(&format!(
            "<p>A resend of <a href=\"{WEB_ROOT}/deliveries/{original}\">#{original}</a>: the same \
             X-EXTERNAL-ID and body, a new X-TIMESTAMP and signature.</p>"
        ));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"{WEB_ROOT}/deliveries/{}/resend\"><button id=\"resend\" \
         type=\"submit\">Resend</button> <span class=\"muted\">same X-EXTERNAL-ID and body, new \
         signature: the merchant should answer as it did the first time</span></form>",
        delivery.id
    ));
    body.push_str("<h2>Body</h2>");
    body.push_str(&exact(d["body"].as_str().unwrap_or_default()));
    body.push_str("<h2>Attempts</h2>");
    body.push_str(&attempts(&d["attempts"]));
    shell(
        StatusCode::OK,
        &format!("Delivery #{}", delivery.id),
        &body,
        pending.then_some(1),
    )
}

fn attempts(list: &Value) -> String {
    let list = list.as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        return "<p class=\"muted\">Not sent yet.</p>".into();
    }
    let mut out = String::from(
        "<table id=\"attempts\"><tr><th>#</th><th>at</th><th>action</th><th>HTTP</th>\
         <th>responseCode</th><th>result</th><th>ms</th><th>request headers</th><th>answer</th></tr>",
    );
    for a in &list {
        let headers: String = a["requestHeaders"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|pair| Some((pair.get(0)?.as_str()?, pair.get(1)?.as_str()?)))
            .map(|(name, value)| format!("{}: {}<br>", escape(name), escape(value)))
            .collect();
        out.push_str(&format!(
            "<tr class=\"attempt\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td><code>{headers}</code></td><td><code>{}</code></td></tr>",
            field(a, "attempt"),
            field(a, "at"),
            field(a, "action"),
            field(a, "httpStatus"),
            field(a, "responseCode"),
            field(a, "detail"),
            field(a, "elapsedMs"),
            field(a, "answer"),
        ));
    }
    out.push_str("</table>");
    out
}

/// `POST /_sandbox/web/deliveries/{id}/resend`: to the new delivery's page.
pub(crate) fn resend(sandbox: &Sandbox, id: &str) -> Response<Full<Bytes>> {
    let result = id
        .parse::<u64>()
        .map_err(|_| "no such delivery".to_owned())
        .and_then(|id| sandbox.notifier.resend(id));
    match result {
        Ok(new) => see_other(&format!("{WEB_ROOT}/deliveries/{new}")),
        Err(e) => shell(
            StatusCode::NOT_FOUND,
            "Resend",
            &format!("<p class=\"error\">{}</p>", escape(&e)),
            None,
        ),
    }
}
