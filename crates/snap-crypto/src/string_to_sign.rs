use std::cell::Cell;
use std::fmt;

use ring::digest;

use crate::minify::minify_reusing;
use crate::{EmptyBodyHash, Error, QueryInPath, SignatureOptions};

/// The exact string a SNAP signature covers.
///
/// `Display` shows it verbatim, which is what a developer needs when a provider's signature does
/// not match.
///
/// ```
/// use snap_crypto::{SignatureOptions, StringToSign};
/// let auth = StringToSign::auth("QoinSnap", "2023-07-06T14:12:50+07:00");
/// assert_eq!(auth.to_string(), "QoinSnap|2023-07-06T14:12:50+07:00");
///
/// let sts = StringToSign::symmetric(
///     "GET", "/v1.0/transfer-va/report?startDate=2024-01-01", "tok3n", b"",
///     "2020-12-17T10:55:00+07:00", &SignatureOptions::default(),
/// )?;
/// assert_eq!(
///     sts.as_str(),
///     "GET:/v1.0/transfer-va/report?startDate=2024-01-01:tok3n:\
///      e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855:2020-12-17T10:55:00+07:00"
/// );
/// # Ok::<(), snap_crypto::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StringToSign(String);

impl StringToSign {
    /// Auth (access-token request) form: `clientId|X-TIMESTAMP`.
    pub fn auth(client_id: &str, timestamp: &str) -> Self {
        let mut s = String::with_capacity(client_id.len() + 1 + timestamp.len());
        s.push_str(client_id);
        s.push('|');
        s.push_str(timestamp);
        Self(s)
    }

    /// Symmetric service form:
    /// `METHOD:EndpointUrl:AccessToken:lowerhex(sha256(minify(body))):X-TIMESTAMP`.
    ///
    /// `method` is upper-cased; `path` is the relative URL as sent (see [`QueryInPath`]);
    /// `access_token` is the bare B2B token, without `Bearer `; `body` is the bytes as sent
    /// (they are minified here); `timestamp` is used verbatim.
    pub fn symmetric(
        method: &str,
        path: &str,
        access_token: &str,
        body: &[u8],
        timestamp: &str,
        options: &SignatureOptions,
    ) -> Result<Self, Error> {
        Self::service(method, path, Some(access_token), body, timestamp, options)
    }

    /// Asymmetric service form: `METHOD:EndpointUrl:lowerhex(sha256(minify(body))):X-TIMESTAMP`.
    pub fn asymmetric(
        method: &str,
        path: &str,
        body: &[u8],
        timestamp: &str,
        options: &SignatureOptions,
    ) -> Result<Self, Error> {
        Self::service(method, path, None, body, timestamp, options)
    }

    fn service(
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &[u8],
        timestamp: &str,
        options: &SignatureOptions,
    ) -> Result<Self, Error> {
        let mut minified = Vec::new();
        let mut out = Vec::new();
        write_service(
            &mut out,
            &mut minified,
            method,
            path,
            token,
            body,
            timestamp,
            options,
        )?;
        // Every component is a &str or ASCII hex, so this never replaces anything.
        Ok(Self(String::from_utf8_lossy(&out).into_owned()))
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The bytes that are signed.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The string, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StringToSign").field(&self.0).finish()
    }
}

impl AsRef<[u8]> for StringToSign {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl AsRef<str> for StringToSign {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// `lowerhex(sha256(minify(body)))` as used in service signatures, or `None` for
/// [`EmptyBodyHash::EmptyComponent`] with an empty body.
///
/// ```
/// let h = snap_crypto::body_hash_hex(b"{ }", &Default::default())?;
/// assert_eq!(h.as_deref(), Some("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"));
/// # Ok::<(), snap_crypto::Error>(())
/// ```
pub fn body_hash_hex(body: &[u8], options: &SignatureOptions) -> Result<Option<String>, Error> {
    let mut minified = Vec::new();
    let hash = body_hash(body, options, &mut minified)?;
    Ok(hash.map(|h| {
        let mut s = Vec::with_capacity(64);
        push_hex(&mut s, &h);
        String::from_utf8_lossy(&s).into_owned()
    }))
}

/// Minifies `body` into the start of `scratch` and hashes it per `options`.
pub(crate) fn body_hash(
    body: &[u8],
    options: &SignatureOptions,
    scratch: &mut Vec<u8>,
) -> Result<Option<[u8; 32]>, Error> {
    let written = minify_reusing(body, scratch)?;
    let minified = scratch.get(..written).unwrap_or_default();
    let input: &[u8] = if minified.is_empty() {
        match options.empty_body() {
            EmptyBodyHash::Sha256OfEmpty => b"",
            EmptyBodyHash::EmptyComponent => return Ok(None),
            EmptyBodyHash::Sha256OfNull => b"null",
            EmptyBodyHash::Sha256OfEmptyArray => b"[]",
        }
    } else {
        minified
    };
    let d = digest::digest(&digest::SHA256, input);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    Ok(Some(out))
}

/// Appends the 64 lower-case hex digits of a body hash.
pub(crate) fn push_hex(out: &mut Vec<u8>, bytes: &[u8; 32]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = [0u8; 64];
    for (pair, &b) in hex.chunks_exact_mut(2).zip(bytes) {
        pair[0] = HEX[usize::from(b >> 4)];
        pair[1] = HEX[usize::from(b & 15)];
    }
    out.extend_from_slice(&hex);
}

/// The EndpointUrl component: `path` as sent, less its query string if `options` say so.
pub(crate) fn service_path<'a>(path: &'a str, options: &SignatureOptions) -> &'a str {
    match options.query() {
        QueryInPath::Include => path,
        QueryInPath::Exclude => path.split_once('?').map_or(path, |(p, _)| p),
    }
}

/// Appends the service string-to-sign to `out`, using `scratch` for the minified body; returns the
/// SHA-256 of the minified body (`None` when it is empty).
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_service(
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
    timestamp: &str,
    options: &SignatureOptions,
) -> Result<Option<[u8; 32]>, Error> {
    let hash = body_hash(body, options, scratch)?;
    let path = service_path(path, options);
    out.reserve(method.len() + path.len() + token.map_or(0, str::len) + timestamp.len() + 68);
    if method.bytes().any(|b| b.is_ascii_lowercase()) {
        out.extend(method.bytes().map(|b| b.to_ascii_uppercase()));
    } else {
        out.extend_from_slice(method.as_bytes());
    }
    out.push(b':');
    out.extend_from_slice(path.as_bytes());
    out.push(b':');
    if let Some(token) = token {
        out.extend_from_slice(token.as_bytes());
        out.push(b':');
    }
    if let Some(hash) = hash {
        push_hex(out, &hash);
    }
    out.push(b':');
    out.extend_from_slice(timestamp.as_bytes());
    Ok(received_digest(hash, body, options))
}

/// The digest of the body received (what a verifier's `BodyDigest` holds), from the `hash` its
/// string-to-sign covers: for an empty body no hash, even when a provider's option signs a
/// stand-in (`null`, `[]`); else an empty body and a `null` body would share a digest (found by
/// the signature fuzz target).
pub(crate) fn received_digest(
    hash: Option<[u8; 32]>,
    body: &[u8],
    options: &SignatureOptions,
) -> Option<[u8; 32]> {
    let stand_in = options.empty_body() != EmptyBodyHash::Sha256OfEmpty
        && body
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if stand_in { None } else { hash }
}

/// Buffers kept per thread so the hot signing paths do not allocate for the minified body and the
/// string-to-sign. They are taken out for the call, so re-entrant use just gets fresh buffers.
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>, &mut Vec<u8>) -> R) -> R {
    thread_local! {
        static SCRATCH: Cell<(Vec<u8>, Vec<u8>)> = const { Cell::new((Vec::new(), Vec::new())) };
    }
    // Buffers grown past this by a large body are not kept after the call.
    const KEEP: usize = 256 * 1024;
    // The first buffer keeps its length (minify overwrites it, see `minify_reusing`); the second
    // is appended to.
    let (mut a, mut b) = SCRATCH.try_with(Cell::take).unwrap_or_default();
    b.clear();
    let r = f(&mut a, &mut b);
    if a.capacity() <= KEEP && b.capacity() <= KEEP {
        // Fails only during thread teardown, where dropping the buffers is right.
        let _ = SCRATCH.try_with(|cell| cell.set((a, b)));
    }
    r
}
