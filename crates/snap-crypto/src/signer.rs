use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::Error;

/// The two SNAP signature algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// HMAC-SHA512 keyed with the client secret (symmetric service signatures).
    HmacSha512,
    /// RSASSA-PKCS1-v1_5 with SHA-256, "SHA256withRSA" (auth and asymmetric service signatures).
    RsaPkcs1Sha256,
}

impl SignatureAlgorithm {
    pub(crate) const fn key_name(self) -> &'static str {
        match self {
            Self::HmacSha512 => "HMAC client secret",
            Self::RsaPkcs1Sha256 => "RSA key",
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::HmacSha512 => "HMAC-SHA512",
            Self::RsaPkcs1Sha256 => "SHA256withRSA",
        })
    }
}

/// Something that signs messages: a local key here, or a KMS / HSM behind your own type.
///
/// Object safe: HTTP code holds an `Arc<dyn Signer>`.
pub trait Signer: Send + Sync {
    /// The algorithm the signatures use.
    fn algorithm(&self) -> SignatureAlgorithm;

    /// Signs `message`, returning the raw signature bytes.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error>;

    /// Signs `message`, returning standard base64 with padding (the `X-SIGNATURE` form).
    fn sign_base64(&self, message: &[u8]) -> Result<String, Error> {
        Ok(STANDARD.encode(self.sign(message)?))
    }
}

/// Something that checks signatures. Implementations must compare in constant time and report
/// every mismatch as the single [`Error::InvalidSignature`].
///
/// Object safe: HTTP code holds an `Arc<dyn Verifier>`.
pub trait Verifier: Send + Sync {
    /// The algorithm the signatures use.
    fn algorithm(&self) -> SignatureAlgorithm;

    /// Checks raw signature bytes over `message`.
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error>;

    /// Checks a standard-base64 signature (strict: canonical padding, no whitespace, no URL-safe
    /// alphabet). Malformed base64 is [`Error::BadBase64`], a wrong signature [`Error::InvalidSignature`].
    fn verify_base64(&self, message: &[u8], signature_b64: &str) -> Result<(), Error> {
        with_decoded(signature_b64, |sig| self.verify(message, sig))
    }
}

/// Decodes a signature strictly (canonical padding, standard alphabet) and runs `f` on the bytes.
pub(crate) fn with_decoded<R>(
    signature_b64: &str,
    f: impl FnOnce(&[u8]) -> Result<R, Error>,
) -> Result<R, Error> {
    let signature = STANDARD
        .decode(signature_b64)
        .map_err(|_| Error::BadBase64)?;
    f(&signature)
}

impl<T: Signer + ?Sized> Signer for &T {
    fn algorithm(&self) -> SignatureAlgorithm {
        (**self).algorithm()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        (**self).sign(message)
    }
}

impl<T: Signer + ?Sized> Signer for std::sync::Arc<T> {
    fn algorithm(&self) -> SignatureAlgorithm {
        (**self).algorithm()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        (**self).sign(message)
    }
}

impl<T: Verifier + ?Sized> Verifier for &T {
    fn algorithm(&self) -> SignatureAlgorithm {
        (**self).algorithm()
    }
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        (**self).verify(message, signature)
    }
}

impl<T: Verifier + ?Sized> Verifier for std::sync::Arc<T> {
    fn algorithm(&self) -> SignatureAlgorithm {
        (**self).algorithm()
    }
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        (**self).verify(message, signature)
    }
}
