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
    with_scratch(|minified, msg| {
        write_service(
            msg,
            minified,
            method,
            path,
            Some(access_token),
            body,
            timestamp,
            options,
        )?;
        signer.sign_base64(msg)
    })
}

/// Checks a symmetric service signature over the received body bytes (minified here).
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
) -> Result<(), Error> {
    require(verifier.algorithm(), SignatureAlgorithm::HmacSha512)?;
    with_decoded(signature_b64, |sig| {
        with_scratch(|minified, msg| {
            write_service(
                msg,
                minified,
                method,
                path,
                Some(access_token),
                body,
                timestamp,
                options,
            )?;
            verifier.verify(msg, sig)
        })
    })
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
    with_scratch(|minified, msg| {
        write_service(msg, minified, method, path, None, body, timestamp, options)?;
        signer.sign_base64(msg)
    })
}

/// Checks an asymmetric service signature over the received body bytes (minified here).
pub fn verify_asymmetric<V: Verifier + ?Sized>(
    verifier: &V,
    method: &str,
    path: &str,
    body: &[u8],
    timestamp: &str,
    signature_b64: &str,
    options: &SignatureOptions,
) -> Result<(), Error> {
    require(verifier.algorithm(), SignatureAlgorithm::RsaPkcs1Sha256)?;
    with_decoded(signature_b64, |sig| {
        with_scratch(|minified, msg| {
            write_service(msg, minified, method, path, None, body, timestamp, options)?;
            verifier.verify(msg, sig)
        })
    })
}
