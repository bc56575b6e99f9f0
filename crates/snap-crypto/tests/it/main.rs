//! Integration tests of snap-crypto: openssl-checked vectors, key forms, properties, fuzz corpora.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fuzz_check;
mod fuzz_corpus;
mod keys;
mod properties;
mod timestamps;
mod vectors;

use std::path::PathBuf;

/// A path under the repository's `fixtures/` directory.
pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

pub(crate) fn read_fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The signing verbs spelled with positional arguments, which keeps the vector and property
/// tables readable; each builds the typed request the library takes.
pub(crate) mod positional {
    use snap_crypto::{
        AuthRequest, BodyDigest, Error, ServiceRequest, SignatureOptions, Signer, StringToSign,
        Verifier,
    };

    pub(crate) fn service<'a>(
        method: &'a str,
        path: &'a str,
        token: Option<&'a str>,
        body: &'a [u8],
        ts: &'a str,
        opts: &SignatureOptions,
    ) -> ServiceRequest<'a> {
        let request = ServiceRequest::new(method, path)
            .with_body(body)
            .with_timestamp(ts)
            .with_options(*opts);
        match token {
            Some(token) => request.with_token(token),
            None => request,
        }
    }

    pub(crate) fn sign_symmetric(
        s: &(impl Signer + ?Sized),
        method: &str,
        path: &str,
        token: &str,
        body: &[u8],
        ts: &str,
        opts: &SignatureOptions,
    ) -> Result<String, Error> {
        snap_crypto::sign(&service(method, path, Some(token), body, ts, opts), s)
    }

    pub(crate) fn sign_asymmetric(
        s: &(impl Signer + ?Sized),
        method: &str,
        path: &str,
        body: &[u8],
        ts: &str,
        opts: &SignatureOptions,
    ) -> Result<String, Error> {
        snap_crypto::sign(&service(method, path, None, body, ts, opts), s)
    }

    pub(crate) fn verify_asymmetric(
        v: &(impl Verifier + ?Sized),
        method: &str,
        path: &str,
        body: &[u8],
        ts: &str,
        sig: &str,
        opts: &SignatureOptions,
    ) -> Result<BodyDigest, Error> {
        snap_crypto::verify(&service(method, path, None, body, ts, opts), sig, v)
    }

    pub(crate) fn sign_auth(
        s: &(impl Signer + ?Sized),
        client: &str,
        ts: &str,
    ) -> Result<String, Error> {
        snap_crypto::sign_auth(&AuthRequest::new(client).with_timestamp(ts), s)
    }

    pub(crate) fn verify_auth(
        v: &(impl Verifier + ?Sized),
        client: &str,
        ts: &str,
        sig: &str,
    ) -> Result<(), Error> {
        snap_crypto::verify_auth(&AuthRequest::new(client).with_timestamp(ts), sig, v)
    }

    pub(crate) fn sts_symmetric(
        method: &str,
        path: &str,
        token: &str,
        body: &[u8],
        ts: &str,
        opts: &SignatureOptions,
    ) -> Result<StringToSign, Error> {
        StringToSign::service(&service(method, path, Some(token), body, ts, opts))
    }

    pub(crate) fn sts_asymmetric(
        method: &str,
        path: &str,
        body: &[u8],
        ts: &str,
        opts: &SignatureOptions,
    ) -> Result<StringToSign, Error> {
        StringToSign::service(&service(method, path, None, body, ts, opts))
    }

    pub(crate) fn sts_auth(client: &str, ts: &str) -> StringToSign {
        StringToSign::auth(&AuthRequest::new(client).with_timestamp(ts))
    }
}
