//! The SNAP request headers a server checks, and how each one's absence or form is answered.

use http::{HeaderMap, HeaderValue};

use crate::rejection::Rejection;

/// The headers a service request (notification) is checked with, found in one pass over the
/// map instead of one hashed lookup apiece. Each is the first value of its name, as
/// [`HeaderMap::get`] gives it; names compare case-insensitively (the map holds them lower-case).
#[derive(Default)]
pub(crate) struct ServiceHeaders<'a> {
    pub(crate) timestamp: Option<&'a HeaderValue>,
    pub(crate) signature: Option<&'a HeaderValue>,
    pub(crate) partner_id: Option<&'a HeaderValue>,
    pub(crate) external_id: Option<&'a HeaderValue>,
    pub(crate) channel_id: Option<&'a HeaderValue>,
    pub(crate) authorization: Option<&'a HeaderValue>,
    pub(crate) content_length: Option<&'a HeaderValue>,
}

impl<'a> ServiceHeaders<'a> {
    /// Finds the headers in `headers`.
    pub(crate) fn scan(headers: &'a HeaderMap) -> Self {
        let mut found = Self::default();
        for (name, value) in headers {
            // The names of `crate::headers` (a test keeps them in step).
            let slot = match name.as_str() {
                "x-timestamp" => &mut found.timestamp,
                "x-signature" => &mut found.signature,
                "x-partner-id" => &mut found.partner_id,
                "x-external-id" => &mut found.external_id,
                "channel-id" => &mut found.channel_id,
                "authorization" => &mut found.authorization,
                "content-length" => &mut found.content_length,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        found
    }
}

/// The header's text: absent or empty → `400xx02`, not visible ASCII → `400xx01`.
pub(crate) fn header<'a>(
    value: Option<&'a HeaderValue>,
    spelled: &'static str,
) -> Result<&'a str, Rejection> {
    let value = value.ok_or(Rejection::MissingHeader(spelled))?;
    let text = value
        .to_str()
        .map_err(|_| Rejection::MalformedHeader(spelled))?;
    if text.is_empty() {
        return Err(Rejection::MissingHeader(spelled));
    }
    Ok(text)
}

/// A header through a snap-types newtype: empty → Mandatory, refused → Format.
pub(crate) fn typed_header<T>(
    value: Option<&HeaderValue>,
    spelled: &'static str,
) -> Result<T, Rejection>
where
    T: std::str::FromStr<Err = snap_types::Error>,
{
    header(value, spelled)?
        .parse()
        .map_err(|e: snap_types::Error| {
            if e.is_missing() {
                Rejection::MissingHeader(spelled)
            } else {
                Rejection::MalformedHeader(spelled)
            }
        })
}

/// The token of `Authorization: Bearer <token>`: absent → `401xx03`, another scheme → `401xx01`.
pub(crate) fn bearer(authorization: Option<&HeaderValue>) -> Result<&str, Rejection> {
    let value = authorization.ok_or(Rejection::TokenNotFound)?;
    let text = value.to_str().map_err(|_| Rejection::InvalidToken)?.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("bearer") {
        return Err(Rejection::TokenNotFound);
    }
    let (scheme, token) = text.split_once(' ').ok_or(Rejection::InvalidToken)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Rejection::InvalidToken);
    }
    let token = token.trim_start();
    if token.is_empty() {
        return Err(Rejection::TokenNotFound);
    }
    Ok(token)
}

/// A declared `Content-Length`, if it is a number.
pub(crate) fn content_length(value: Option<&HeaderValue>) -> Option<u64> {
    value
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use http::header::{AUTHORIZATION, CONTENT_LENGTH};

    use super::*;
    use crate::headers::{CHANNEL_ID, X_EXTERNAL_ID, X_PARTNER_ID, X_SIGNATURE, X_TIMESTAMP};

    #[test]
    fn the_scan_finds_what_get_finds() {
        let mut h = HeaderMap::new();
        let names = [
            X_TIMESTAMP,
            X_SIGNATURE,
            X_PARTNER_ID,
            X_EXTERNAL_ID,
            CHANNEL_ID,
            AUTHORIZATION,
            CONTENT_LENGTH,
        ];
        let empty = ServiceHeaders::scan(&h);
        assert!(empty.timestamp.is_none() && empty.content_length.is_none());
        h.insert("x-other", HeaderValue::from_static("x"));
        for (i, name) in names.iter().enumerate() {
            h.append(name, HeaderValue::from(i));
            // A repeated header: the first value counts, as with `get`.
            h.append(name, HeaderValue::from_static("later"));
        }
        let found = ServiceHeaders::scan(&h);
        let got = [
            found.timestamp,
            found.signature,
            found.partner_id,
            found.external_id,
            found.channel_id,
            found.authorization,
            found.content_length,
        ];
        for (name, value) in names.iter().zip(got) {
            assert_eq!(value, h.get(name), "{name}");
        }
    }

    #[test]
    fn bearer_parsing() {
        let value = HeaderValue::from_static;
        assert_eq!(bearer(None), Err(Rejection::TokenNotFound));
        assert_eq!(bearer(Some(&value("Bearer abc"))), Ok("abc"));
        assert_eq!(bearer(Some(&value("bearer  abc"))), Ok("abc"));
        assert_eq!(
            bearer(Some(&value("Basic abc"))),
            Err(Rejection::InvalidToken)
        );
        assert_eq!(
            bearer(Some(&value("Bearer "))),
            Err(Rejection::TokenNotFound)
        );
    }
}
