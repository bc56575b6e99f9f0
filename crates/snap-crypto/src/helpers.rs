//! One-call sign / verify for each SNAP signature kind, without intermediate allocations.

use crate::signer::with_decoded;
use crate::string_to_sign::{with_scratch, write_service};
use crate::{Error, SignatureAlgorithm, SignatureOptions, Signer, Verifier};

fn require(actual: SignatureAlgorithm, expected: SignatureAlgorithm) -> Result<(), Error> {
    if actual == expected {
        Ok(())
    } else {
        Err(Error::WrongKeyType {
            expected: expected.key_name(),
            found: actual.key_name(),
        })
    }
}

fn auth_message(out: &mut Vec<u8>, client_id: &str, timestamp: &str) {
    out.extend_from_slice(client_id.as_bytes());
    out.push(b'|');
    out.extend_from_slice(timestamp.as_bytes());
}

/// Auth signature (`clientId|X-TIMESTAMP`, SHA256withRSA), as base64.
pub fn sign_auth<S: Signer + ?Sized>(
    signer: &S,
    client_id: &str,
    timestamp: &str,
) -> Result<String, Error> {
    require(signer.algorithm(), SignatureAlgorithm::RsaPkcs1Sha256)?;
    with_scratch(|_, msg| {
        auth_message(msg, client_id, timestamp);
        signer.sign_base64(msg)
    })
}

/// Checks an auth signature (`clientId|X-TIMESTAMP`, SHA256withRSA).
pub fn verify_auth<V: Verifier + ?Sized>(
    verifier: &V,
    client_id: &str,
    timestamp: &str,
    signature_b64: &str,
) -> Result<(), Error> {
    require(verifier.algorithm(), SignatureAlgorithm::RsaPkcs1Sha256)?;
    with_decoded(signature_b64, |sig| {
        with_scratch(|_, msg| {
            auth_message(msg, client_id, timestamp);
            verifier.verify(msg, sig)
        })
    })
}

/// Symmetric service signature (HMAC-SHA512 over
/// `METHOD:path:token:lowerhex(sha256(minify(body))):timestamp`), as base64.
///
/// ```
/// use snap_crypto::{ClientSecret, SignatureOptions, sign_symmetric, verify_symmetric};
/// let secret = ClientSecret::new("s3cr3t");
/// let opts = SignatureOptions::default();
/// let ts = "2023-07-06T14:12:50+07:00";
/// let sig = sign_symmetric(&secret, "POST", "/v1.0/transfer-va/payment", "tok", b"{\"a\": 1}", ts, &opts)?;
/// // The verifier minifies what it received, so whitespace differences do not matter.
/// verify_symmetric(&secret, "POST", "/v1.0/transfer-va/payment", "tok", b"{\"a\":1}", ts, &sig, &opts)?;
/// # Ok::<(), snap_crypto::Error>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn sign_symmetric<S: Signer + ?Sized>(
    signer: &S,
    method: &str,
    path: &str,
    access_token: &str,
    body: &[u8],
    timestamp: &str,
    options: &SignatureOptions,
) -> Result<String, Error> {
    require(signer.algorithm(), SignatureAlgorithm::HmacSha512)?;
    sign_service(
        signer,
        method,
        path,
        Some(access_token),
        body,
        timestamp,
        options,
    )
}

/// Checks a symmetric service signature over the received body bytes (minified here).
///
/// Returns the [`BodyDigest`] the signature covered, so a server can use it (e.g. as an
/// idempotency fingerprint) without minifying and hashing the body again.
#[allow(clippy::too_many_arguments)]
pub fn verify_symmetric<V: Verifier + ?Sized>(
    verifier: &V,
    method: &str,
    path: &str,
    access_token: &str,
    body: &[u8],
    timestamp: &str,
    signature_b64: &str,
    options: &SignatureOptions,
) -> Result<BodyDigest, Error> {
    require(verifier.algorithm(), SignatureAlgorithm::HmacSha512)?;
    let token = Some(access_token);
    verify_service(
        verifier,
        method,
        path,
        token,
        body,
        timestamp,
        signature_b64,
        options,
    )
}

/// Asymmetric service signature (SHA256withRSA over
/// `METHOD:path:lowerhex(sha256(minify(body))):timestamp`), as base64.
pub fn sign_asymmetric<S: Signer + ?Sized>(
    signer: &S,
    method: &str,
    path: &str,
    body: &[u8],
    timestamp: &str,
    options: &SignatureOptions,
) -> Result<String, Error> {
    require(signer.algorithm(), SignatureAlgorithm::RsaPkcs1Sha256)?;
    sign_service(signer, method, path, None, body, timestamp, options)
}

/// Checks an asymmetric service signature over the received body bytes (minified here).
///
/// Returns the [`BodyDigest`] the signature covered, like [`verify_symmetric`].
pub fn verify_asymmetric<V: Verifier + ?Sized>(
    verifier: &V,
    method: &str,
    path: &str,
    body: &[u8],
    timestamp: &str,
    signature_b64: &str,
    options: &SignatureOptions,
) -> Result<BodyDigest, Error> {
    require(verifier.algorithm(), SignatureAlgorithm::RsaPkcs1Sha256)?;
    verify_service(
        verifier,
        method,
        path,
        None,
        body,
        timestamp,
        signature_b64,
        options,
    )
}

/// Signs the service string-to-sign (with the token for the symmetric kind), as base64.
fn sign_service<S: Signer + ?Sized>(
    signer: &S,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
    timestamp: &str,
    options: &SignatureOptions,
) -> Result<String, Error> {
    with_scratch(|minified, msg| {
        write_service(msg, minified, method, path, token, body, timestamp, options)?;
        signer.sign_base64(msg)
    })
}

/// Checks a signature over the service string-to-sign; returns the body digest it covered.
#[allow(clippy::too_many_arguments)]
fn verify_service<V: Verifier + ?Sized>(
    verifier: &V,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
    timestamp: &str,
    signature_b64: &str,
    options: &SignatureOptions,
) -> Result<BodyDigest, Error> {
    with_decoded(signature_b64, |sig| {
        with_scratch(|minified, msg| {
            let hash = write_service(msg, minified, method, path, token, body, timestamp, options)?;
            verifier.verify(msg, sig)?;
            Ok(BodyDigest::new(hash))
        })
    })
}

/// The SHA-256 of the minified body that a verified service signature covered.
///
/// Two requests with the same digest had the same JSON body up to insignificant whitespace. For an
/// empty body the digest is the SHA-256 of the empty string under every
/// [`EmptyBodyHash`](crate::EmptyBodyHash) option, whatever stand-in the signature covers.
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

    /// The 32 digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for BodyDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BodyDigest(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}
