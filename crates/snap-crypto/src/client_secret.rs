use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::hmac;
use zeroize::Zeroizing;

use crate::{Error, SignatureAlgorithm, Signer, Verifier};

/// The HMAC-SHA512 client secret of symmetric service signatures (key = UTF-8 bytes of the secret).
///
/// Signs and verifies. Not `Clone`; `Debug` is redacted. The secret text is not kept: only ring's
/// precomputed HMAC state, which ring does not zeroize on drop; every copy this crate makes while
/// loading (e.g. [`ClientSecret::from_file`]) is zeroized.
///
/// ```
/// use snap_crypto::{ClientSecret, Signer, Verifier};
/// let secret = ClientSecret::new("s3cr3t");
/// assert_eq!(format!("{secret:?}"), "ClientSecret(<redacted>)");
/// let sig = secret.sign_base64(b"message")?;
/// secret.verify_base64(b"message", &sig)?;
/// assert!(secret.verify_base64(b"messagf", &sig).is_err());
/// # Ok::<(), snap_crypto::Error>(())
/// ```
pub struct ClientSecret {
    key: hmac::Key,
}

impl ClientSecret {
    /// A secret from its text.
    pub fn new(secret: &str) -> Self {
        Self::from_bytes(secret.as_bytes())
    }

    /// A secret from raw key bytes.
    pub fn from_bytes(secret: &[u8]) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA512, secret),
        }
    }

    /// Reads a secret file: its bytes, less one trailing `\n` or `\r\n` (editors add one).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let bytes = Zeroizing::new(std::fs::read(path)?);
        let secret = bytes
            .strip_suffix(b"\n")
            .map(|s| s.strip_suffix(b"\r").unwrap_or(s))
            .unwrap_or(&bytes);
        Ok(Self::from_bytes(secret))
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

impl Signer for ClientSecret {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::HmacSha512
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(hmac::sign(&self.key, message).as_ref().to_vec())
    }

    fn sign_base64(&self, message: &[u8]) -> Result<String, Error> {
        // Straight from ring's tag, without the intermediate Vec.
        Ok(STANDARD.encode(hmac::sign(&self.key, message)))
    }
}

impl Verifier for ClientSecret {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::HmacSha512
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        // Constant time (ring compares the tags without early exit).
        hmac::verify(&self.key, message, signature).map_err(|_| Error::InvalidSignature)
    }
}
