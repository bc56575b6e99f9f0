//! The symmetric string-to-sign's fixed start, hashed once per token.

use std::fmt;

use ring::hmac;

use crate::helpers::BodyDigest;
use crate::signer::with_decoded;
use crate::string_to_sign::{body_hash, push_hex, received_digest, service_path, with_scratch};
use crate::{ClientSecret, Error, SignatureOptions};

/// The HMAC-SHA512 state of a symmetric service signature after its fixed start,
/// `METHOD:path:token:`, for one client secret.
///
/// Within one access token's lifetime (15 minutes) a provider posts its notifications to the same
/// few paths, so every string-to-sign starts with the same bytes. A server that keeps one of these
/// per (secret, method, path, token) hashes only the rest per request: the body hash and the
/// timestamp. With a typical 250-byte JWT that is 3 SHA-512 blocks per signature instead of 5.
/// [`SymmetricPrefix::verify`] accepts exactly what [`verify_symmetric`](crate::verify_symmetric)
/// accepts with the same arguments.
///
/// Holds the token and keyed hash state: `Debug` shows neither.
///
/// ```
/// use snap_crypto::{ClientSecret, SignatureOptions, SymmetricPrefix, sign_symmetric};
/// let secret = ClientSecret::new("s3cr3t");
/// let opts = SignatureOptions::default();
/// let (path, token) = ("/v1.0/transfer-va/payment", "tok");
/// let prefix = SymmetricPrefix::new(&secret, "POST", path, token, &opts);
/// assert!(prefix.is_for("POST", path, token, &opts));
/// for (body, ts) in [(&b"{\"a\": 1}"[..], "2023-07-06T14:12:50+07:00"), (b"{}", "2023-07-06T14:13:01+07:00")] {
///     let sig = sign_symmetric(&secret, "POST", path, token, body, ts, &opts)?;
///     prefix.verify(body, ts, &sig)?;
///     assert!(prefix.verify(b"{\"a\":2}", ts, &sig).is_err());
/// }
/// # Ok::<(), snap_crypto::Error>(())
/// ```
#[derive(Clone)]
pub struct SymmetricPrefix {
    /// HMAC state after `METHOD:path:token:`.
    state: hmac::Context,
    /// Upper-cased.
    method: Box<str>,
    /// As signed (see [`QueryInPath`](crate::QueryInPath)).
    path: Box<str>,
    token: Box<str>,
    options: SignatureOptions,
}

impl SymmetricPrefix {
    /// Hashes `METHOD:path:token:` under `secret`. `method`, `path` and `access_token` mean what
    /// they mean for [`verify_symmetric`](crate::verify_symmetric); `options` also applies to the
    /// requests checked with [`SymmetricPrefix::verify`].
    pub fn new(
        secret: &ClientSecret,
        method: &str,
        path: &str,
        access_token: &str,
        options: &SignatureOptions,
    ) -> Self {
        let method = method.to_ascii_uppercase();
        let path = service_path(path, options);
        let mut state = hmac::Context::with_key(secret.key());
        for part in [method.as_str(), path, access_token] {
            state.update(part.as_bytes());
            state.update(b":");
        }
        Self {
            state,
            method: method.into(),
            path: path.into(),
            token: access_token.into(),
            options: *options,
        }
    }

    /// Whether this is the start of the string-to-sign of a request with this method, path (as
    /// received) and token, checked under these options. The token is compared in constant time:
    /// it is a credential.
    pub fn is_for(
        &self,
        method: &str,
        path: &str,
        access_token: &str,
        options: &SignatureOptions,
    ) -> bool {
        // `&` rather than `&&`: the token comparison runs whatever the others say.
        (self.options == *options)
            & self.method.eq_ignore_ascii_case(method)
            & (*self.path == *service_path(path, options))
            & constant_time_eq::constant_time_eq(self.token.as_bytes(), access_token.as_bytes())
    }

    /// Checks a symmetric service signature of a request this prefix [is for](Self::is_for), over
    /// the received body bytes (minified here). Returns the [`BodyDigest`] the signature covered.
    pub fn verify(
        &self,
        body: &[u8],
        timestamp: &str,
        signature_b64: &str,
    ) -> Result<BodyDigest, Error> {
        with_decoded(signature_b64, |signature| {
            with_scratch(|minified, rest| {
                let hash = body_hash(body, &self.options, minified)?;
                if let Some(hash) = &hash {
                    push_hex(rest, hash);
                }
                rest.push(b':');
                rest.extend_from_slice(timestamp.as_bytes());
                let mut state = self.state.clone();
                state.update(rest);
                // Constant time, length included.
                if constant_time_eq::constant_time_eq(state.sign().as_ref(), signature) {
                    Ok(BodyDigest::new(received_digest(hash, body, &self.options)))
                } else {
                    Err(Error::InvalidSignature)
                }
            })
        })
    }
}

impl fmt::Debug for SymmetricPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SymmetricPrefix")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}
