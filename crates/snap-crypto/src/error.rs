use crate::{MinifyError, TimestampError};

/// Everything that can go wrong in snap-crypto.
///
/// A wrong signature is always the single opaque [`Error::InvalidSignature`]: nothing says which
/// part differed. Malformed input (base64, key, JSON body) has its own variants.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The signature does not match the message.
    #[error("invalid signature")]
    InvalidSignature,
    /// The signature is not strict standard base64 (alphabet `A–Z a–z 0–9 + /`, canonical `=` padding).
    #[error("signature is not valid standard base64")]
    BadBase64,
    /// The key is of another kind than the operation needs (e.g. a public key where a private key
    /// is expected, an EC key, an HMAC secret for an RSA signature).
    #[error("wrong key type: expected {expected}, found {found}")]
    WrongKeyType {
        /// What the operation needs.
        expected: &'static str,
        /// What was given.
        found: &'static str,
    },
    /// The key material cannot be decoded or is not a valid key.
    #[error("bad key: {0}")]
    BadKey(String),
    /// The RSA key is smaller than allowed.
    #[error("RSA key too small: {bits} bits, at least {min} required")]
    KeyTooSmall {
        /// Modulus size of the key.
        bits: usize,
        /// Minimum accepted by the policy in force.
        min: usize,
    },
    /// The body is not valid JSON, so it cannot be minified for the body hash.
    #[error(transparent)]
    Minify(#[from] MinifyError),
    /// A timestamp could not be parsed or is outside the accepted window.
    #[error(transparent)]
    Timestamp(#[from] TimestampError),
    /// The signing operation itself failed (e.g. the system random source).
    #[error("signing failed")]
    SigningFailed,
    /// An X-EXTERNAL-ID length outside the supported range.
    #[error("external id length must be between {min} and {max} digits, got {got}")]
    ExternalIdLength {
        /// Requested length.
        got: usize,
        /// Smallest supported length.
        min: usize,
        /// Largest supported length.
        max: usize,
    },
    /// A key file could not be read.
    #[error("cannot read key file: {0}")]
    Io(#[from] std::io::Error),
}
