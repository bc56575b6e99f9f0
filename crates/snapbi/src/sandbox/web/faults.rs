//! The fault switches: the same settings as `snapbi sandbox fault` and `PUT /_sandbox/faults`.

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::Full;

use super::WEB_ROOT;
use super::html::{escape, page as shell, see_other};
use crate::sandbox::config::Faults;
use crate::sandbox::provider::Sandbox;

/// `GET /_sandbox/web/faults`, with `error` from a refused change.
pub(crate) fn page(sandbox: &Sandbox, error: Option<&str>) -> Response<Full<Bytes>> {
    let f = sandbox.notifier.faults();
    let check = |on: bool| if on { "checked" } else { "" };
    let mut body = error
        .map(|e| format!("<div class=\"error\">{}</div>", escape(e)))
        .unwrap_or_default();
    body.push_str(&format!(
        "<form method=\"post\" action=\"{WEB_ROOT}/faults\"><table class=\"details\">\
         <tr><th>delay before every attempt (ms)</th><td><input name=\"delay_ms\" value=\"{}\"></td></tr>\
         <tr><th>drop the next N attempts</th><td><input name=\"drop_first\" value=\"{}\"></td></tr>\
         <tr><th>send every delivered notification twice</th><td><input type=\"checkbox\" name=\"duplicate\" {}></td></tr>\
         <tr><th>notify 1.00 more than paid</th><td><input type=\"checkbox\" name=\"wrong_amount\" {}></td></tr>\
         <tr><th>VA payments hit an expired VA</th><td><input type=\"checkbox\" name=\"expired_va\" {}></td></tr>\
         </table><button id=\"save-faults\" type=\"submit\">Save</button></form>",
        f.delay_ms,
        f.drop_first,
        check(f.duplicate),
        check(f.wrong_amount),
        check(f.expired_va),
    ));
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    shell(status, "Fault switches", &body, None)
}

/// `POST /_sandbox/web/faults`: a checkbox is on when posted; numbers must parse.
pub(crate) fn set(sandbox: &Sandbox, form: &[(String, String)]) -> Response<Full<Bytes>> {
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim());
    let number = |name: &str| -> Result<u64, String> {
        match get(name) {
            None | Some("") => Ok(0),
            Some(v) => v
                .parse()
                .map_err(|_| format!("{name}: {v:?} is not a whole number")),
        }
    };
    // Start from the current switches, so settings this form does not show are kept.
    let mut faults = sandbox.notifier.faults();
    let read = |faults: &mut Faults| -> Result<(), String> {
        faults.delay_ms = number("delay_ms")?;
        faults.drop_first =
            u32::try_from(number("drop_first")?).map_err(|_| "drop_first: too large".to_owned())?;
        faults.duplicate = get("duplicate").is_some();
        faults.wrong_amount = get("wrong_amount").is_some();
        faults.expired_va = get("expired_va").is_some();
        Ok(())
    };
    let faults = read(&mut faults).map(|()| faults);
    match faults {
        Ok(faults) => {
            sandbox.notifier.set_faults(faults);
            see_other(&format!("{WEB_ROOT}/faults"))
        }
        Err(e) => page(sandbox, Some(&e)),
    }
}
