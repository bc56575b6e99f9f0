//! Verification: a typed request, the received `X-SIGNATURE` and a [`Verifier`] give the verified
//! body digest or one opaque refusal.

use std::fmt;

use time::{Duration, OffsetDateTime};

use crate::sign::{require, service_algorithm};
use crate::string_to_sign::{AuthRequest, ServiceRequest, body_hash, write_service};
use crate::timestamp::{check_window, parse_timestamp};
use crate::{Error, SignatureAlgorithm, SignatureOptions, Verifier};

/// Checks a service request's signature over the received body bytes (minified here).
///
/// Returns the [`BodyDigest`] the signature covered, so a server can use it (e.g. as an
/// idempotency fingerprint) without minifying and hashing the body again.
///
/// # Errors
///
/// [`Error::InvalidSignature`] for any mismatch, [`Error::BadBase64`] for a malformed
/// signature, [`Error::WrongKeyType`] when the verifier's algorithm does not fit the request,
/// [`Error::Minify`] when the body is not JSON.
pub fn verify<V: Verifier + ?Sized>(
    request: &ServiceRequest<'_>,
    signature_b64: &str,
    verifier: &V,
) -> Result<BodyDigest, Error> {
    require(verifier.algorithm(), service_algorithm(request))?;
    let mut message = Vec::new();
    let hash = write_service(&mut message, &mut Vec::new(), request)?;
    verifier.verify_base64(&message, signature_b64)?;
    Ok(BodyDigest::new(hash))
}

/// Checks an access-token request's signature (`clientId|X-TIMESTAMP`, SHA256withRSA).
///
/// # Errors
///
/// As [`verify`]; the verifier must be an RSA public key.
pub fn verify_auth<V: Verifier + ?Sized>(
    request: &AuthRequest<'_>,
    signature_b64: &str,
    verifier: &V,
) -> Result<(), Error> {
    require(verifier.algorithm(), SignatureAlgorithm::RsaPkcs1Sha256)?;
    let mut message = Vec::new();
    request.write(&mut message);
    verifier.verify_base64(&message, signature_b64)
}

/// Verifies a received notification in one call (the shape of async-stripe's
/// `construct_event_with_timestamp`): its `X-TIMESTAMP` must be within `window` of `now` (the
/// server's clock), then its signature must verify over the exact received bytes. Returns what
/// was verified. snap-http's verification layer calls exactly this.
///
/// ```
/// use snap_crypto::{ClientSecret, ServiceRequest, sign, verify_notification};
/// use time::macros::datetime;
/// let secret = ClientSecret::new("s3cr3t");
/// let request = ServiceRequest::new("POST", "/v1.0/transfer-va/payment")
///     .with_token("tok")
///     .with_body(b"{}")
///     .with_timestamp("2023-07-06T14:12:50+07:00");
/// let signature = sign(&request, &secret)?;
/// let now = datetime!(2023-07-06 07:13:20 UTC);
/// let window = time::Duration::minutes(5);
/// let verified = verify_notification(&request, &signature, &secret, now, window)?;
/// assert_eq!(verified.timestamp(), datetime!(2023-07-06 07:12:50 UTC));
/// // Ten minutes later the same request is refused.
/// let later = now + time::Duration::minutes(10);
/// assert!(verify_notification(&request, &signature, &secret, later, window).is_err());
/// # Ok::<(), snap_crypto::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Timestamp`] when `X-TIMESTAMP` is malformed or outside the window; otherwise as
/// [`verify`].
pub fn verify_notification<V: Verifier + ?Sized>(
    request: &ServiceRequest<'_>,
    signature_b64: &str,
    verifier: &V,
    now: OffsetDateTime,
    window: Duration,
) -> Result<VerifiedNotification, Error> {
    let timestamp = parse_timestamp(request.timestamp())?;
    check_window(timestamp, now, window)?;
    let body_digest = verify(request, signature_b64, verifier)?;
    Ok(VerifiedNotification {
        timestamp,
        body_digest,
    })
}

/// What [`verify_notification`] verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedNotification {
    timestamp: OffsetDateTime,
    body_digest: BodyDigest,
}

impl VerifiedNotification {
    /// `X-TIMESTAMP`, parsed: within the window of the server's clock.
    pub fn timestamp(&self) -> OffsetDateTime {
        self.timestamp
    }

    /// The digest of the minified body the signature covered.
    pub fn body_digest(&self) -> &BodyDigest {
        &self.body_digest
    }
}

/// The SHA-256 of the minified body that a verified service signature covered.
///
/// Two requests with the same digest had the same JSON body up to insignificant whitespace. With
/// [`EmptyBodyHash::EmptyComponent`](crate::EmptyBodyHash::EmptyComponent) and an empty body the
/// signature covers no hash; the digest is then the SHA-256 of the empty string.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BodyDigest([u8; 32]);

impl BodyDigest {
    pub(crate) fn new(hash: Option<[u8; 32]>) -> Self {
        // SHA-256 of the empty string.
        const EMPTY: [u8; 32] = [
            0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
            0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b,
            0x78, 0x52, 0xb8, 0x55,
        ];
        Self(hash.unwrap_or(EMPTY))
    }

    /// The digest of `body` as a verification with the default [`SignatureOptions`] returns it:
    /// SHA-256 of the minified body (of the empty string for an empty body).
    ///
    /// # Errors
    ///
    /// [`Error::Minify`] when `body` is not JSON.
    pub fn of(body: &[u8]) -> Result<Self, Error> {
        let hash = body_hash(body, &SignatureOptions::default(), &mut Vec::new())?;
        Ok(Self::new(hash))
    }

    /// The 32 digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for BodyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BodyDigest(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}
