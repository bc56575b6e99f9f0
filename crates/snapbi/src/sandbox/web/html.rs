//! The HTML around every page: escaping, the page shell with its inline style, small pieces.
//! No JavaScript, no external resources: the sandbox runs offline.

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::Full;
use serde_json::Value;

/// `text` safe inside HTML text and double-quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` as one URL path segment.
pub(crate) fn segment(text: &str) -> String {
    // byte_serialize writes a space as `+` (form style) and a literal `+` as `%2B`.
    form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// A field of a JSON document as escaped text (`""` when absent; numbers as written).
pub(crate) fn field(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) => escape(s),
        Some(Value::Null) | None => String::new(),
        Some(other) => escape(&other.to_string()),
    }
}

const STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
header{background:#123;color:#fff;padding:.6em 1.2em;display:flex;gap:1.5em;align-items:baseline}
header a{color:#cde;text-decoration:none}header b{font-size:1.1em}
main{padding:1em 1.2em;max-width:1200px}
table{border-collapse:collapse;background:#fff;margin:.5em 0 1.5em;width:100%}
th,td{border:1px solid #d5dbe3;padding:.3em .5em;text-align:left;vertical-align:top;font-size:.92em}
th{background:#e9eef4}
pre{background:#fff;border:1px solid #d5dbe3;padding:.6em;overflow-x:auto;font-size:.85em}
pre.wrap{white-space:pre-wrap;word-break:break-all}
.status{font-weight:600;padding:.05em .4em;border-radius:.3em}
.open,.pending{background:#fff3c4}.paid,.delivered{background:#c9f2d0}
.expired,.failed{background:#f8d0d0}.refunded{background:#dde3ff}
.error{background:#f8d0d0;border:1px solid #c55;padding:.6em;margin:.5em 0}
form.inline{display:inline}button{padding:.3em .9em;cursor:pointer}
.qr svg{width:260px;height:260px;background:#fff}
#attempts td:last-child{word-break:break-all;max-width:24em}
#decoded td,#payload td{word-break:break-all}
.muted{color:#678}
";

/// A complete page. `refresh_secs` reloads it (a pending delivery, without JavaScript).
pub(crate) fn page(
    status: StatusCode,
    title: &str,
    body: &str,
    refresh_secs: Option<u32>,
) -> Response<Full<Bytes>> {
    let refresh = refresh_secs
        .map(|s| format!("<meta http-equiv=\"refresh\" content=\"{s}\">"))
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">{refresh}\
         <title>{title} · snapbi sandbox</title><style>{STYLE}</style></head><body>\
         <header><b>snapbi sandbox</b><a href=\"/_sandbox/web\">Ledger</a>\
         <a href=\"/_sandbox/web/deliveries\">Deliveries</a><a href=\"/_sandbox/web/faults\">Faults</a></header>\
         <main><h1>{title}</h1>{body}</main></body></html>",
        title = escape(title),
    );
    let mut response = Response::new(Full::new(Bytes::from(html)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// `303 See Other` to `location` (after a form post).
pub(crate) fn see_other(location: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(value) = http::HeaderValue::from_str(location) {
        response.headers_mut().insert(http::header::LOCATION, value);
    }
    response
}

/// A status word with its colour.
pub(crate) fn status(word: &str) -> String {
    let word = escape(word);
    format!("<span class=\"status {word}\">{word}</span>")
}

/// A body exactly as sent (the bytes that were signed), wrapped for reading.
pub(crate) fn exact(text: &str) -> String {
    format!("<pre class=\"wrap\">{}</pre>", escape(text))
}
