use std::fmt;
use std::path::Path;

use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use zeroize::Zeroizing;

use crate::der::{self, INTEGER, OCTET_STRING, SEQUENCE};
use crate::key_text::{self, KeyDer};
use crate::{Error, SignatureAlgorithm, Signer, Verifier};

/// Smallest RSA modulus accepted by default.
pub const MIN_RSA_BITS: usize = 2048;
/// Smallest RSA modulus accepted under [`KeyPolicy::AllowLegacySmallKeys`].
pub const LEGACY_MIN_RSA_BITS: usize = 1024;

/// Which RSA public key sizes are accepted.
///
/// ring signs only with 2048-bit and larger keys, so the legacy policy exists for verifying a
/// provider that still uses a small key, never for our own signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum KeyPolicy {
    /// At least [`MIN_RSA_BITS`] (2048) bits.
    #[default]
    Standard,
    /// At least [`LEGACY_MIN_RSA_BITS`] (1024) bits. Weak: use only for a named legacy provider.
    AllowLegacySmallKeys,
}

impl KeyPolicy {
    const fn min_bits(self) -> usize {
        match self {
            Self::Standard => MIN_RSA_BITS,
            Self::AllowLegacySmallKeys => LEGACY_MIN_RSA_BITS,
        }
    }
}

const PRIVATE: &str = "RSA private key";
const PUBLIC: &str = "RSA public key";

/// An RSA private key for SHA256withRSA (RSASSA-PKCS1-v1_5, SHA-256) signatures.
///
/// Not `Clone`; `Debug` shows only the size. Decoded key bytes are zeroized; the parsed key lives
/// inside ring, which does not zeroize its memory on drop.
///
/// ```
/// use snap_crypto::{RsaPrivateKey, Signer, Verifier};
/// let pem = std::fs::read("../../fixtures/keys/rsa2048-pkcs8.pem")?;
/// let key = RsaPrivateKey::parse(&pem)?;
/// let sig = key.sign(b"QoinSnap|2023-07-06T14:12:50+07:00")?;
/// key.public_key().verify(b"QoinSnap|2023-07-06T14:12:50+07:00", &sig)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RsaPrivateKey {
    pair: RsaKeyPair,
    rng: SystemRandom,
}

impl RsaPrivateKey {
    /// Parses any supported form, detected from the content: PKCS#8 PEM (`PRIVATE KEY`),
    /// PKCS#1 PEM (`RSA PRIVATE KEY`), PEM with literal `\n` (as in environment variables),
    /// header-less base64 of either DER, or PKCS#8 / PKCS#1 DER.
    ///
    /// Keys under 2048 bits give [`Error::KeyTooSmall`]; public keys, EC keys and other algorithms
    /// give [`Error::WrongKeyType`]; encrypted or malformed keys, and keys whose parts do not agree
    /// (one test signature fails), give [`Error::BadKey`].
    pub fn parse(input: &[u8]) -> Result<Self, Error> {
        let blocks = key_text::decode(input)?;
        let chosen = pick(&blocks, &["PRIVATE KEY", "RSA PRIVATE KEY"], PRIVATE)?;
        Self::from_der(&chosen.der)
    }

    /// Parses PEM text (any label this crate understands; see [`RsaPrivateKey::parse`]).
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        Self::parse(pem.as_bytes())
    }

    /// Parses PKCS#8 or PKCS#1 DER, and signs once to prove that the key's parts agree.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let pkcs1 = private_pkcs1(der)?;
        let bits = private_modulus_bits(pkcs1)?;
        if bits < MIN_RSA_BITS {
            return Err(Error::KeyTooSmall {
                bits,
                min: MIN_RSA_BITS,
            });
        }
        let pair = RsaKeyPair::from_der(pkcs1).map_err(|e| Error::BadKey(e.to_string()))?;
        let key = Self {
            pair,
            rng: SystemRandom::new(),
        };
        // ring does not check every CRT part (dP, dQ) when it loads a key; a key with a wrong
        // one loads and then fails every signature with an opaque error. One signature at load
        // time turns that into a key error here (found by the key_loading fuzz target).
        if key.sign(b"snap-crypto key check").is_err() {
            return Err(Error::BadKey(
                "the key's parts do not agree: it cannot sign".to_owned(),
            ));
        }
        Ok(key)
    }

    /// Reads and parses a key file (see [`RsaPrivateKey::parse`]); the file's bytes are zeroized.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let bytes = Zeroizing::new(std::fs::read(path)?);
        Self::parse(&bytes)
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.pair.public().modulus_len() * 8
    }

    /// The matching public key.
    pub fn public_key(&self) -> RsaPublicKey {
        RsaPublicKey {
            pkcs1: self.pair.public().as_ref().to_vec(),
            bits: self.bits(),
            policy: KeyPolicy::Standard,
        }
    }
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaPrivateKey({} bits, <redacted>)", self.bits())
    }
}

impl Signer for RsaPrivateKey {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RsaPkcs1Sha256
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let mut sig = vec![0u8; self.pair.public().modulus_len()];
        self.pair
            .sign(&signature::RSA_PKCS1_SHA256, &self.rng, message, &mut sig)
            .map_err(|_| Error::SigningFailed)?;
        Ok(sig)
    }
}

/// An RSA public key for verifying SHA256withRSA signatures.
///
/// ```
/// use snap_crypto::RsaPublicKey;
/// let pem = std::fs::read("../../fixtures/keys/rsa2048-public-pkcs1.pem")?;
/// assert_eq!(RsaPublicKey::parse(&pem)?.bits(), 2048);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    /// PKCS#1 RSAPublicKey DER, the form ring verifies with.
    pkcs1: Vec<u8>,
    bits: usize,
    policy: KeyPolicy,
}

impl RsaPublicKey {
    /// Parses any supported form with the standard policy (≥ 2048 bits): SPKI PEM
    /// (`PUBLIC KEY`), PKCS#1 PEM (`RSA PUBLIC KEY`), either as DER or header-less base64, PEM with
    /// literal `\n`.
    pub fn parse(input: &[u8]) -> Result<Self, Error> {
        Self::parse_with(input, KeyPolicy::Standard)
    }

    /// Like [`RsaPublicKey::parse`] with an explicit size policy.
    pub fn parse_with(input: &[u8], policy: KeyPolicy) -> Result<Self, Error> {
        let blocks = key_text::decode(input)?;
        let chosen = pick(&blocks, &["PUBLIC KEY", "RSA PUBLIC KEY"], PUBLIC)?;
        Self::from_der_with(&chosen.der, policy)
    }

    /// Parses PEM text (see [`RsaPublicKey::parse`]).
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        Self::parse(pem.as_bytes())
    }

    /// Parses SPKI or PKCS#1 DER with the standard policy.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        Self::from_der_with(der, KeyPolicy::Standard)
    }

    /// Parses SPKI or PKCS#1 DER with an explicit size policy.
    pub fn from_der_with(der: &[u8], policy: KeyPolicy) -> Result<Self, Error> {
        let pkcs1 = public_pkcs1(der)?;
        let bits = check_public_pkcs1(pkcs1)?;
        if bits < policy.min_bits() {
            return Err(Error::KeyTooSmall {
                bits,
                min: policy.min_bits(),
            });
        }
        Ok(Self {
            pkcs1: pkcs1.to_vec(),
            bits,
            policy,
        })
    }

    /// Reads and parses a key file with the standard policy.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::parse(&std::fs::read(path)?)
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The key as PKCS#1 `RSAPublicKey` DER.
    pub fn pkcs1_der(&self) -> &[u8] {
        &self.pkcs1
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.bits)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Verifier for RsaPublicKey {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RsaPkcs1Sha256
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let alg: &dyn signature::VerificationAlgorithm = match self.policy {
            KeyPolicy::Standard => &signature::RSA_PKCS1_2048_8192_SHA256,
            KeyPolicy::AllowLegacySmallKeys => {
                &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
            }
        };
        UnparsedPublicKey::new(alg, &self.pkcs1)
            .verify(message, signature)
            .map_err(|_| Error::InvalidSignature)
    }
}

/// Chooses the block with a wanted label (or the unlabelled document), explaining what was found
/// otherwise.
fn pick<'a>(
    blocks: &'a [KeyDer],
    wanted: &[&str],
    expected: &'static str,
) -> Result<&'a KeyDer, Error> {
    if let Some(b) = blocks
        .iter()
        .find(|b| b.label.as_deref().is_none_or(|l| wanted.contains(&l)))
    {
        return Ok(b);
    }
    let found = blocks
        .iter()
        .filter_map(|b| b.label.as_deref())
        .find_map(|l| match l {
            "ENCRYPTED PRIVATE KEY" => Some(Err(Error::BadKey(
                "encrypted private keys are not supported; decrypt it with openssl first".into(),
            ))),
            "PUBLIC KEY" | "RSA PUBLIC KEY" => Some(Ok(PUBLIC)),
            "PRIVATE KEY" | "RSA PRIVATE KEY" => Some(Ok(PRIVATE)),
            "EC PRIVATE KEY" => Some(Ok("EC private key")),
            "CERTIFICATE" => Some(Ok(
                "certificate (extract its key with `openssl x509 -pubkey -noout`)",
            )),
            _ => None,
        });
    match found {
        Some(Ok(found)) => Err(Error::WrongKeyType { expected, found }),
        Some(Err(e)) => Err(e),
        None => Err(Error::BadKey("no key found in the input".into())),
    }
}

fn bad(what: &str) -> Error {
    Error::BadKey(what.into())
}

/// The PKCS#1 RSAPrivateKey inside PKCS#8 or PKCS#1 DER.
fn private_pkcs1(der: &[u8]) -> Result<&[u8], Error> {
    let seq = der::outer_sequence(der).ok_or_else(|| bad("not a DER key"))?;
    let (first, rest) = der::read(seq).ok_or_else(|| bad("malformed DER"))?;
    if first.tag == SEQUENCE {
        // SubjectPublicKeyInfo or a certificate.
        return Err(Error::WrongKeyType {
            expected: PRIVATE,
            found: "public key or certificate",
        });
    }
    if first.tag != INTEGER {
        return Err(bad("not a DER key"));
    }
    let (second, after) = der::read(rest).ok_or_else(|| bad("malformed DER"))?;
    match second.tag {
        SEQUENCE => {
            let oid = der::algorithm_oid(second.content).ok_or_else(|| bad("malformed PKCS#8"))?;
            if oid != der::RSA_ENCRYPTION {
                return Err(Error::WrongKeyType {
                    expected: PRIVATE,
                    found: der::algorithm_name(oid),
                });
            }
            let (inner, _) =
                der::expect(after, OCTET_STRING).ok_or_else(|| bad("malformed PKCS#8"))?;
            Ok(inner)
        }
        INTEGER if after.is_empty() => Err(Error::WrongKeyType {
            expected: PRIVATE,
            found: PUBLIC,
        }),
        INTEGER => Ok(der),
        _ => Err(bad("not a DER key")),
    }
}

fn private_modulus_bits(pkcs1: &[u8]) -> Result<usize, Error> {
    let seq = der::outer_sequence(pkcs1).ok_or_else(|| bad("malformed PKCS#1 private key"))?;
    let (_version, rest) =
        der::expect(seq, INTEGER).ok_or_else(|| bad("malformed PKCS#1 private key"))?;
    let (n, _) = der::expect(rest, INTEGER).ok_or_else(|| bad("malformed PKCS#1 private key"))?;
    der::uint_bits(n).ok_or_else(|| bad("invalid RSA modulus"))
}

/// The PKCS#1 RSAPublicKey inside SPKI or PKCS#1 DER.
fn public_pkcs1(der: &[u8]) -> Result<&[u8], Error> {
    let seq = der::outer_sequence(der).ok_or_else(|| bad("not a DER key"))?;
    let (first, rest) = der::read(seq).ok_or_else(|| bad("malformed DER"))?;
    match first.tag {
        SEQUENCE => {
            // Certificates also start with a SEQUENCE in a SEQUENCE.
            let (oid, key) = der::subject_public_key_info(der).ok_or(Error::WrongKeyType {
                expected: PUBLIC,
                found: "something other than a SubjectPublicKeyInfo (a certificate?)",
            })?;
            if oid != der::RSA_ENCRYPTION {
                return Err(Error::WrongKeyType {
                    expected: PUBLIC,
                    found: der::algorithm_name(oid),
                });
            }
            Ok(key)
        }
        INTEGER => match der::count(rest) {
            Some(1) => Ok(der),
            Some(0) | None => Err(bad("malformed DER")),
            Some(_) => Err(Error::WrongKeyType {
                expected: PUBLIC,
                found: PRIVATE,
            }),
        },
        _ => Err(bad("not a DER key")),
    }
}

/// Checks an RSAPublicKey structurally (as ring will at verification) and returns its size.
fn check_public_pkcs1(pkcs1: &[u8]) -> Result<usize, Error> {
    let seq = der::outer_sequence(pkcs1).ok_or_else(|| bad("malformed RSA public key"))?;
    let (n, rest) = der::expect(seq, INTEGER).ok_or_else(|| bad("malformed RSA public key"))?;
    let (e, rest) = der::expect(rest, INTEGER).ok_or_else(|| bad("malformed RSA public key"))?;
    if !rest.is_empty() {
        return Err(bad("malformed RSA public key"));
    }
    let bits = der::uint_bits(n).ok_or_else(|| bad("invalid RSA modulus"))?;
    if n.last().is_none_or(|b| b & 1 == 0) {
        return Err(bad("invalid RSA modulus"));
    }
    if bits > 8192 {
        return Err(bad("RSA modulus larger than 8192 bits"));
    }
    let e_bits = der::uint_bits(e).ok_or_else(|| bad("invalid RSA exponent"))?;
    if e_bits > 33 || e.last().is_none_or(|b| b & 1 == 0) || e_bits < 2 {
        return Err(bad("invalid RSA exponent"));
    }
    Ok(bits)
}
