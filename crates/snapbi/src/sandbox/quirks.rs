//! What a provider profile tolerates of its own SDK, and nothing else: each quirk is named after
//! the SDK that shows it, and only that provider's profile applies it.
//!
//! | profile | quirk | seen in |
//! |---|---|---|
//! | `doku` | token request body `{"grantType":"client_credentials","additionalInfo":""}` (a string where the standard has an object) | `doku-python-library` 1.1.72, `model/token/token_b2b_request.py` |
//! | `midtrans` | token request body `{"grant_type":"client_credentials"}` (snake case) | `midtrans-client` 1.4.3, `lib/snapBi/snapBi.js` `getAccessToken` |
//! | `doku` | token answer with `expiresIn` as a JSON number (the SDK computes `expires_in - 10`; a string fails) | `doku-python-library` 1.1.72, `model/token/token_b2b_response.py`; DOKU's PHP SDK types it `int` |
//! | `midtrans` | delete VA (31) sent as `POST` (the standard says `DELETE`), signed with `POST`: the method of snap-http's `ProviderProfile::midtrans`, which the sandbox serves | `midtrans-client` 1.4.3, `snapBiApiRequestor.js` (`axios.post` for every call) |
//!
//! The token request's signature covers `clientId|X-TIMESTAMP` only, never the body, so reading
//! these bodies the way the provider does weakens no check: the signature, the timestamp window
//! and the client's key are verified by snap-http exactly as for the standard.

use bytes::Bytes;
use http::{HeaderValue, Request, Response, header};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use serde_json::{Map, Value};
use snap_http::SnapServer;

use super::config::ProfileKind;

/// Token bodies are tiny; anything larger is handed on unread and refused by the server.
const TOKEN_BODY_LIMIT: usize = 16 * 1024;

/// Whether `kind` reads its SDK's token request differently from the standard.
pub(crate) fn token(kind: ProfileKind) -> bool {
    matches!(kind, ProfileKind::Doku | ProfileKind::Midtrans)
}

/// The token request body as the standard spells it, for the SDK quirks of `kind`; anything
/// else is returned unchanged (and validated as the standard says).
pub(crate) fn token_body(kind: ProfileKind, body: &[u8]) -> Option<Vec<u8>> {
    let Ok(mut map) = serde_json::from_slice::<Map<String, Value>>(body) else {
        return None;
    };
    let changed = match kind {
        ProfileKind::Midtrans if !map.contains_key("grantType") => map
            .remove("grant_type")
            .map(|grant| map.insert("grantType".into(), grant))
            .is_some(),
        ProfileKind::Doku => {
            matches!(map.get("additionalInfo"), Some(Value::String(s)) if s.is_empty())
                && map.remove("additionalInfo").is_some()
        }
        _ => false,
    };
    if changed {
        serde_json::to_vec(&map).ok()
    } else {
        None
    }
}

/// Serves a token request of a profile with SDK quirks.
pub(crate) async fn serve_token(
    kind: ProfileKind,
    server: &SnapServer,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (mut parts, body) = request.into_parts();
    let Ok(collected) = Limited::new(body, TOKEN_BODY_LIMIT).collect().await else {
        // Unreadable or oversized: the server answers an empty body with 400xx00.
        return server
            .handle(Request::from_parts(parts, Full::new(Bytes::new())))
            .await;
    };
    let bytes = collected.to_bytes();
    let body = match token_body(kind, &bytes) {
        Some(normalised) => {
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(normalised.len()));
            Bytes::from(normalised)
        }
        None => bytes,
    };
    let response = server
        .handle(Request::from_parts(parts, Full::new(body)))
        .await;
    match kind {
        ProfileKind::Doku => expires_in_as_number(response).await,
        _ => response,
    }
}

/// DOKU's SDKs read `expiresIn` as a number: `"900"` becomes `900` (nothing else changes; the
/// token answer is not signed).
async fn expires_in_as_number(response: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    let (mut parts, body) = response.into_parts();
    let Ok(collected) = body.collect().await;
    let bytes = collected.to_bytes();
    let Some(changed) = token_answer(&bytes) else {
        return Response::from_parts(parts, Full::new(bytes));
    };
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(changed.len()));
    Response::from_parts(parts, Full::new(Bytes::from(changed)))
}

/// A token answer with a numeric-string `expiresIn` rewritten as a number.
fn token_answer(body: &[u8]) -> Option<Vec<u8>> {
    let mut map = serde_json::from_slice::<Map<String, Value>>(body).ok()?;
    let seconds: u64 = map.get("expiresIn")?.as_str()?.parse().ok()?;
    map.insert("expiresIn".into(), Value::from(seconds));
    serde_json::to_vec(&map).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_the_profiles_own_quirk_is_read() {
        let mt = br#"{"grant_type":"client_credentials"}"#;
        assert_eq!(
            token_body(ProfileKind::Midtrans, mt).unwrap(),
            br#"{"grantType":"client_credentials"}"#
        );
        assert_eq!(token_body(ProfileKind::Doku, mt), None);
        assert_eq!(token_body(ProfileKind::Standard, mt), None);
        let doku = br#"{"grantType":"client_credentials","additionalInfo":""}"#;
        assert_eq!(
            token_body(ProfileKind::Doku, doku).unwrap(),
            br#"{"grantType":"client_credentials"}"#
        );
        assert_eq!(token_body(ProfileKind::Midtrans, doku), None);
        assert_eq!(
            token_answer(br#"{"accessToken":"t","expiresIn":"900"}"#).unwrap(),
            br#"{"accessToken":"t","expiresIn":900}"#
        );
        assert_eq!(token_answer(br#"{"responseCode":"4017300"}"#), None);
        // A non-empty string stays as sent (and is refused as the standard says).
        assert_eq!(
            token_body(
                ProfileKind::Doku,
                br#"{"grantType":"client_credentials","additionalInfo":"x"}"#
            ),
            None
        );
    }
}
