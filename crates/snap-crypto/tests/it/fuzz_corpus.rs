//! Replays the committed fuzz corpora through the fuzz targets' own checks (`fuzz_check`).

use std::path::Path;

use crate::fixture;
use crate::fuzz_check::{
    check_key_loading, check_minify, check_minify_against_serde, check_signature,
};

fn corpus(name: &str) -> Vec<(String, Vec<u8>)> {
    inputs(&format!("corpus/{name}"))
}

/// The files under fuzz/`dir`, sorted by name (none when the directory does not exist).
fn inputs(dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = fixture("..").join("fuzz").join(dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (name_of(&p), std::fs::read(&p).unwrap()))
        .collect()
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn minify_corpus() {
    let files = corpus("minify");
    assert!(!files.is_empty());
    let mut accepted = 0;
    for (name, data) in files {
        eprintln!("replaying minify/{name}");
        accepted += usize::from(check_minify(&data));
        check_minify_against_serde(&data);
    }
    // The seeds include valid JSON bodies, so the whitespace checks above did run.
    assert!(accepted > 0);
}

#[test]
fn key_loading_corpus() {
    let files = corpus("key_loading");
    assert!(!files.is_empty());
    let mut loaded = 0;
    for (name, data) in files {
        eprintln!("replaying key_loading/{name}");
        loaded += check_key_loading(&data);
    }
    // The seeds include the valid fixture keys.
    assert!(loaded > 0);
}

/// Inputs the key_loading target once failed on, replayed with its checks.
#[test]
fn key_loading_findings_replay() {
    let files = inputs("regressions/key_loading");
    assert!(!files.is_empty());
    for (name, data) in files {
        eprintln!("replaying regressions/key_loading/{name}");
        check_key_loading(&data);
    }
}

/// Found by the key_loading target: one changed byte in a CRT exponent gave a key that loaded and
/// then failed every signature with `SigningFailed`; now loading refuses it.
#[test]
fn key_whose_parts_disagree_is_refused_at_load() {
    let data = inputs("regressions/key_loading")
        .into_iter()
        .find(|(name, _)| name == "pkcs8_bad_crt_exponent")
        .map(|(_, data)| data)
        .unwrap();
    let err = snap_crypto::RsaPrivateKey::parse(&data).unwrap_err();
    assert!(matches!(err, snap_crypto::Error::BadKey(_)), "{err:?}");
}

/// Inputs the minify target once failed on, replayed with its checks.
#[test]
fn minify_findings_replay() {
    for (name, data) in inputs("regressions/minify") {
        eprintln!("replaying regressions/minify/{name}");
        check_minify(&data);
        check_minify_against_serde(&data);
    }
}

/// The signature corpus and the inputs the signature target once failed on.
#[test]
fn signature_corpus_replays() {
    let files = corpus("signature");
    assert!(files.len() >= 3);
    let mut signed = 0;
    for (name, data) in files.into_iter().chain(inputs("regressions/signature")) {
        eprintln!("replaying signature/{name}");
        signed += usize::from(check_signature(&data));
    }
    // The seeds sign valid JSON bodies, so the verification checks did run.
    assert!(signed > 0);
}

/// Found by the signature target: with a provider's stand-in for an empty body (`null`, `[]`), the
/// verified digest of an empty body was the stand-in's hash, the same as a body `null`.
#[test]
fn empty_body_digest_ignores_the_stand_in() {
    use snap_crypto::{ClientSecret, EmptyBodyHash, ServiceRequest, SignatureOptions};
    let secret = ClientSecret::new("s");
    let opts = SignatureOptions::standard().with_empty_body(EmptyBodyHash::Sha256OfNull);
    let digest = |body: &[u8]| {
        let request = ServiceRequest::new("POST", "/p")
            .with_token("t")
            .with_body(body)
            .with_timestamp("2024-08-23T07:45:00+07:00")
            .with_options(opts);
        let sig = snap_crypto::sign(&request, &secret).unwrap();
        *snap_crypto::verify(&request, &sig, &secret)
            .unwrap()
            .as_bytes()
    };
    let sha256 = |b: &[u8]| {
        ring::digest::digest(&ring::digest::SHA256, b)
            .as_ref()
            .to_vec()
    };
    assert_eq!(digest(b" ").to_vec(), sha256(b""));
    assert_eq!(digest(b"null").to_vec(), sha256(b"null"));
}
