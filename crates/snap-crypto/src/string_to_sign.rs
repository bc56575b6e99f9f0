use std::fmt;

use ring::digest;

use crate::minify::minify_reusing;
use crate::{EmptyBodyHash, Error, QueryInPath, SignatureOptions};

/// A service call as it is signed: method, relative URL (path and query, as sent), the B2B
/// access token when the signature is symmetric, the body bytes as sent, `X-TIMESTAMP` and the
/// provider's [`SignatureOptions`]. The string-to-sign is built from it, so nothing is passed
/// by position.
///
/// ```
/// use snap_crypto::ServiceRequest;
/// let request = ServiceRequest::new("POST", "/v1.0/transfer-va/payment")
///     .with_token("tok3n")
///     .with_body(br#"{"a": 1}"#)
///     .with_timestamp("2020-12-17T10:55:00+07:00");
/// assert!(request.is_symmetric());
/// ```
#[derive(Clone, Copy)]
pub struct ServiceRequest<'a> {
    method: &'a str,
    path: &'a str,
    token: Option<&'a str>,
    body: &'a [u8],
    timestamp: &'a str,
    options: SignatureOptions,
}

impl<'a> ServiceRequest<'a> {
    /// A request with this HTTP method (any case: it is upper-cased) to this relative URL
    /// (`/v1.0/transfer-va/payment`, with its query string if any). No token (asymmetric), an
    /// empty body, standard options; set the rest with the `with_*` methods.
    pub fn new(method: &'a str, path: &'a str) -> Self {
        Self {
            method,
            path,
            token: None,
            body: b"",
            timestamp: "",
            options: SignatureOptions::standard(),
        }
    }

    /// The bare B2B access token (without `Bearer `): the signature is then symmetric
    /// (HMAC-SHA512 with the client secret).
    #[must_use]
    pub fn with_token(mut self, token: &'a str) -> Self {
        self.token = Some(token);
        self
    }

    /// The body bytes as sent (minified for the body hash).
    #[must_use]
    pub fn with_body(mut self, body: &'a [u8]) -> Self {
        self.body = body;
        self
    }

    /// `X-TIMESTAMP`, used verbatim.
    #[must_use]
    pub fn with_timestamp(mut self, timestamp: &'a str) -> Self {
        self.timestamp = timestamp;
        self
    }

    /// Provider variations of the string-to-sign (query string, empty body).
    #[must_use]
    pub fn with_options(mut self, options: SignatureOptions) -> Self {
        self.options = options;
        self
    }

    /// Whether the signature is symmetric (a token is part of it).
    pub fn is_symmetric(&self) -> bool {
        self.token.is_some()
    }

    /// The body bytes.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// `X-TIMESTAMP`.
    pub fn timestamp(&self) -> &'a str {
        self.timestamp
    }

    /// The options in force.
    pub fn options(&self) -> SignatureOptions {
        self.options
    }
}

impl fmt::Debug for ServiceRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("token", &self.token.map(|_| "<redacted>"))
            .field("body_len", &self.body.len())
            .field("timestamp", &self.timestamp)
            .field("options", &self.options)
            .finish()
    }
}

/// An access-token request as it is signed: `X-CLIENT-KEY` and `X-TIMESTAMP`
/// (SHA256withRSA over `clientId|X-TIMESTAMP`).
#[derive(Debug, Clone, Copy)]
pub struct AuthRequest<'a> {
    client_id: &'a str,
    timestamp: &'a str,
}

impl<'a> AuthRequest<'a> {
    /// The request of `client_id` (`X-CLIENT-KEY`); set the timestamp with
    /// [`with_timestamp`](Self::with_timestamp).
    pub fn new(client_id: &'a str) -> Self {
        Self {
            client_id,
            timestamp: "",
        }
    }

    /// `X-TIMESTAMP`, used verbatim.
    #[must_use]
    pub fn with_timestamp(mut self, timestamp: &'a str) -> Self {
        self.timestamp = timestamp;
        self
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.client_id.as_bytes());
        out.push(b'|');
        out.extend_from_slice(self.timestamp.as_bytes());
    }
}

/// The exact string a SNAP signature covers.
///
/// `Display` shows it verbatim, which is what a developer needs when a provider's signature does
/// not match.
///
/// ```
/// use snap_crypto::{AuthRequest, ServiceRequest, StringToSign};
/// let auth = StringToSign::auth(&AuthRequest::new("QoinSnap").with_timestamp("2023-07-06T14:12:50+07:00"));
/// assert_eq!(auth.to_string(), "QoinSnap|2023-07-06T14:12:50+07:00");
///
/// let report = ServiceRequest::new("GET", "/v1.0/transfer-va/report?startDate=2024-01-01")
///     .with_token("tok3n")
///     .with_timestamp("2020-12-17T10:55:00+07:00");
/// assert_eq!(
///     StringToSign::service(&report)?.as_str(),
///     "GET:/v1.0/transfer-va/report?startDate=2024-01-01:tok3n:\
///      e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855:2020-12-17T10:55:00+07:00"
/// );
/// # Ok::<(), snap_crypto::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StringToSign(String);

impl StringToSign {
    /// Auth (access-token request) form: `clientId|X-TIMESTAMP`.
    pub fn auth(request: &AuthRequest<'_>) -> Self {
        let mut out = Vec::new();
        request.write(&mut out);
        Self(String::from_utf8_lossy(&out).into_owned())
    }

    /// Service form: `METHOD:EndpointUrl:AccessToken:lowerhex(sha256(minify(body))):X-TIMESTAMP`
    /// (symmetric), or without the `AccessToken:` component (asymmetric).
    ///
    /// # Errors
    ///
    /// [`Error::Minify`] when the body is not JSON.
    pub fn service(request: &ServiceRequest<'_>) -> Result<Self, Error> {
        let mut out = Vec::new();
        write_service(&mut out, &mut Vec::new(), request)?;
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
pub(crate) fn write_service(
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    request: &ServiceRequest<'_>,
) -> Result<Option<[u8; 32]>, Error> {
    let ServiceRequest {
        method,
        path,
        token,
        body,
        timestamp,
        options,
    } = *request;
    let hash = body_hash(body, &options, scratch)?;
    let path = service_path(path, &options);
    out.reserve(method.len() + path.len() + token.map_or(0, str::len) + timestamp.len() + 68);
    out.extend(method.bytes().map(|b| b.to_ascii_uppercase()));
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
    Ok(received_digest(hash, body, &options))
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
