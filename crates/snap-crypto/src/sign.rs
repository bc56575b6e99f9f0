//! Signing: a typed request and a [`Signer`] give the `X-SIGNATURE` value.

use crate::string_to_sign::{AuthRequest, ServiceRequest, write_service};
use crate::{Error, SignatureAlgorithm, Signer};

/// Fails unless the key's algorithm is the one the request's signature kind needs.
pub(crate) fn require(
    actual: SignatureAlgorithm,
    expected: SignatureAlgorithm,
) -> Result<(), Error> {
    if actual == expected {
        Ok(())
    } else {
        Err(Error::WrongKeyType {
            expected: expected.key_name(),
            found: actual.key_name(),
        })
    }
}

/// The algorithm a service request is signed with: HMAC-SHA512 with a token, SHA256withRSA without.
pub(crate) fn service_algorithm(request: &ServiceRequest<'_>) -> SignatureAlgorithm {
    if request.is_symmetric() {
        SignatureAlgorithm::HmacSha512
    } else {
        SignatureAlgorithm::RsaPkcs1Sha256
    }
}

/// Signs a service request, as base64 (the `X-SIGNATURE` value): HMAC-SHA512 with the client
/// secret when the request carries a token, SHA256withRSA with the private key when not.
///
/// ```
/// use snap_crypto::{ClientSecret, ServiceRequest, sign, verify};
/// let secret = ClientSecret::new("s3cr3t");
/// let request = ServiceRequest::new("POST", "/v1.0/transfer-va/payment")
///     .with_token("tok")
///     .with_body(b"{\"a\": 1}")
///     .with_timestamp("2023-07-06T14:12:50+07:00");
/// let signature = sign(&request, &secret)?;
/// // The verifier minifies what it received, so whitespace differences do not matter.
/// verify(&request.with_body(b"{\"a\":1}"), &signature, &secret)?;
/// # Ok::<(), snap_crypto::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::WrongKeyType`] when the signer's algorithm does not fit the request,
/// [`Error::Minify`] when the body is not JSON, or the signer's own error.
pub fn sign<S: Signer + ?Sized>(request: &ServiceRequest<'_>, signer: &S) -> Result<String, Error> {
    require(signer.algorithm(), service_algorithm(request))?;
    let mut message = Vec::new();
    write_service(&mut message, &mut Vec::new(), request)?;
    signer.sign_base64(&message)
}

/// Signs an access-token request (`clientId|X-TIMESTAMP`, SHA256withRSA), as base64.
///
/// # Errors
///
/// [`Error::WrongKeyType`] unless the signer is an RSA key, or the signer's own error.
pub fn sign_auth<S: Signer + ?Sized>(
    request: &AuthRequest<'_>,
    signer: &S,
) -> Result<String, Error> {
    require(signer.algorithm(), SignatureAlgorithm::RsaPkcs1Sha256)?;
    let mut message = Vec::new();
    request.write(&mut message);
    signer.sign_base64(&message)
}
