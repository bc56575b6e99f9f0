//! The SNAP request headers a server checks, and how each one's absence or form is answered.

#[cfg(any(test, fuzzing))]
use std::fmt;

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

/// The request_headers fuzz target's checks (`fuzz/fuzz_targets/request_headers.rs`, through
/// [`crate::fuzz_request_headers`]; this module's tests replay its corpus): a header map built
/// from the input is scanned as [`HeaderMap::get`] reads it, and every header helper agrees with a
/// plain reading of the value's text: absent or empty is missing, text that is not visible ASCII
/// (bytes of 0x80 and above included) is refused, typed headers parse as their newtype does,
/// `Authorization` is `Bearer <token>`. Returns whether some header was accepted.
#[cfg(any(test, fuzzing))]
pub(crate) fn fuzz_check(data: &[u8]) -> bool {
    use snap_types::{ChannelId, ExternalId, PartnerId, Timestamp};

    const NAMES: [&str; 8] = [
        "x-timestamp",
        "x-signature",
        "x-partner-id",
        "x-external-id",
        "channel-id",
        "authorization",
        "content-length",
        "x-other",
    ];
    let mut map = HeaderMap::new();
    let mut rest = data;
    while let [selector, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (value, tail) = tail.split_at(n);
        rest = tail;
        let name = NAMES[usize::from(*selector) % NAMES.len()];
        if let Ok(value) = HeaderValue::from_bytes(value) {
            map.append(name, value);
        }
    }
    let found = ServiceHeaders::scan(&map);
    let slots = [
        found.timestamp,
        found.signature,
        found.partner_id,
        found.external_id,
        found.channel_id,
        found.authorization,
        found.content_length,
    ];
    for (slot, name) in slots.iter().zip(NAMES) {
        assert_eq!(*slot, map.get(name), "scan and get disagree on {name}");
    }
    // The text a plain reading accepts: visible ASCII, spaces and tabs only.
    fn plain(v: Option<&HeaderValue>) -> Option<&str> {
        v.and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
            .filter(|t| t.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)))
    }
    let mut accepted = false;
    for slot in slots {
        let got = header(slot, "X");
        let want = match (slot, plain(slot)) {
            (None, _) => Err(Rejection::MissingHeader("X")),
            (Some(_), None) => Err(Rejection::MalformedHeader("X")),
            (Some(_), Some("")) => Err(Rejection::MissingHeader("X")),
            (Some(_), Some(text)) => Ok(text),
        };
        assert_eq!(got, want, "header() of {slot:?}");
        accepted |= got.is_ok();
        fn typed<T>(slot: Option<&HeaderValue>, text: Result<&str, Rejection>)
        where
            T: std::str::FromStr<Err = snap_types::Error> + PartialEq + fmt::Debug,
        {
            let got = typed_header::<T>(slot, "X");
            let want = text.and_then(|t| {
                t.parse::<T>().map_err(|e| {
                    if e.is_missing() {
                        Rejection::MissingHeader("X")
                    } else {
                        Rejection::MalformedHeader("X")
                    }
                })
            });
            assert_eq!(got, want, "typed_header() of {slot:?}");
        }
        typed::<PartnerId>(slot, want.clone());
        typed::<ExternalId>(slot, want.clone());
        typed::<ChannelId>(slot, want.clone());
        typed::<Timestamp>(slot, want.clone());
        let length = plain(slot).and_then(|t| t.parse::<u64>().ok());
        assert_eq!(content_length(slot), length, "content_length() of {slot:?}");
    }
    let auth = found.authorization;
    let want = match (auth, plain(auth).map(|t| t.trim_matches([' ', '\t']))) {
        (None, _) => Err(Rejection::TokenNotFound),
        (Some(_), None) => Err(Rejection::InvalidToken),
        (Some(_), Some(t)) if t.is_empty() || t.eq_ignore_ascii_case("bearer") => {
            Err(Rejection::TokenNotFound)
        }
        (Some(_), Some(t)) => match t.get(..7) {
            Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => {
                let token = t[7..].trim_start_matches([' ', '\t']);
                if token.is_empty() {
                    Err(Rejection::TokenNotFound)
                } else {
                    Ok(token)
                }
            }
            _ => Err(Rejection::InvalidToken),
        },
    };
    assert_eq!(bearer(auth), want, "bearer() of {auth:?}");
    accepted
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
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

    /// Replays fuzz/corpus/request_headers (and fuzz/regressions/request_headers) with the
    /// target's checks.
    #[test]
    fn fuzz_corpus_replays() {
        let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
        let mut accepted = 0;
        for dir in ["corpus/request_headers", "regressions/request_headers"] {
            let Ok(entries) = std::fs::read_dir(fuzz.join(dir)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                eprintln!("replaying {}", path.display());
                accepted += usize::from(fuzz_check(&std::fs::read(&path).unwrap()));
            }
        }
        assert!(
            accepted > 0,
            "no input of the corpus had an accepted header"
        );
    }
}
